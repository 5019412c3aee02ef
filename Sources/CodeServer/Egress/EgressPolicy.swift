/// The one egress decision: may this call reach `host:port` with `protocol`? Both ways out use it
/// — the proxy for proxy-aware tools, and the monitor's transparent interception, which asks the
/// proxy — so there is exactly one answer for a destination.
///
/// Order: the protocol (`network_allowed_schemes`), then `network_denylist` (wins over
/// everything), then `network_allowlist`. A name is resolved here (`network_host_overrides`
/// first); each address it gives is checked against the deny list again, and an address in a
/// special block (loopback, private, link-local/metadata, …) is refused unless an entry names
/// that address or a range inside the special block: DNS rebinding cannot turn an allowed public
/// name into the host's loopback or the cloud metadata service, and a catch-all `0.0.0.0/0` does
/// not open them either.
public struct EgressPolicy: Sendable {
    public var allowlist: [NetworkAllowlistEntry]
    public var denylist: [NetworkAllowlistEntry]
    public var allowedProtocols: Set<String>
    public var hostOverrides: [String: IPAddress]

    public init(
        allowlist: [NetworkAllowlistEntry], denylist: [NetworkAllowlistEntry] = [], allowedProtocols: Set<String>,
        hostOverrides: [String: IPAddress] = [:]
    ) {
        self.allowlist = allowlist
        self.denylist = denylist
        self.allowedProtocols = Set(allowedProtocols.map { $0.lowercased() })
        self.hostOverrides = hostOverrides
    }

    public init(options: RuntimeOptions) {
        self.init(
            allowlist: options.networkAllowlist, denylist: options.networkDenylist,
            allowedProtocols: Set(options.networkAllowedSchemes), hostOverrides: options.networkHostOverrides)
    }

    /// `host` is a name or an address literal as the client wrote it.
    public func decide(host: NetworkTarget.Host, port: Int, protocol proto: EgressProtocol) -> EgressDecision {
        let shown = Self.text(host, port)
        guard allowedProtocols.contains(proto.rawValue) else {
            return .deny(code: .networkProtocolDenied, detail: "\(shown): protocol '\(proto.rawValue)' is not in network_allowed_schemes")
        }
        let target = Self.target(host, port)
        if let entry = denylist.first(where: { $0.matches(target) }) {
            return .deny(code: .networkEndpointDenied, detail: "\(shown): network_denylist entry '\(entry)'")
        }
        switch host {
        case .unparseable(let text):
            return .deny(code: .networkEndpointDenied, detail: "'\(text)' is not a host name or address")
        case .address(let address):
            return decide(address: address, port: port, shown: shown, viaName: false)
        case .name(let name):
            guard allowlist.contains(where: { $0.matches(target) }) else {
                return .deny(code: .networkEndpointDenied, detail: "\(shown): no network_allowlist entry covers it")
            }
            let addresses = EgressResolver(overrides: hostOverrides).resolve(name)
            guard !addresses.isEmpty else {
                return .deny(code: .networkEndpointDenied, detail: "\(shown): the name does not resolve")
            }
            var allowed: [IPAddress] = []
            var refusal: EgressDecision?
            for address in addresses {
                switch decide(address: address, port: port, shown: "\(shown) (\(address))", viaName: true) {
                case .allow: allowed.append(address)
                case let denied: refusal = refusal ?? denied
                }
            }
            if allowed.isEmpty, let refusal { return refusal }
            return .allow(addresses: allowed)
        }
    }

    /// An address, literal or resolved. Reached by name, an ordinary address needs no entry of
    /// its own (the name's entry covers it); a special one always does.
    private func decide(address: IPAddress, port: Int, shown: String, viaName: Bool) -> EgressDecision {
        let target = Self.target(.address(address), port)
        if let entry = denylist.first(where: { $0.matches(target) }) {
            return .deny(code: .networkEndpointDenied, detail: "\(shown): network_denylist entry '\(entry)'")
        }
        let matching = allowlist.filter { $0.matches(target) }
        if let special = SpecialAddresses.block(of: address) {
            let block = "\(special.address)/\(special.prefixLength)"
            guard matching.contains(where: { Self.namesInside($0, special) }) else {
                return .deny(
                    code: .networkEndpointDenied,
                    detail: "\(shown): \(address) is in \(block) (loopback, private, link-local or reserved); reaching it needs an entry naming that address or a range inside \(block)")
            }
            return .allow(addresses: [address])
        }
        guard viaName || !matching.isEmpty else {
            return .deny(code: .networkEndpointDenied, detail: "\(shown): no network_allowlist entry covers it")
        }
        return .allow(addresses: [address])
    }

    /// Whether `entry` names an address, or a range no wider than the special block `block`.
    private static func namesInside(_ entry: NetworkAllowlistEntry, _ block: IPNetwork) -> Bool {
        switch entry.rule {
        case .host(.address, _): true
        case .network(let network): network.prefixLength >= block.prefixLength && block.contains(network.address)
        case .host: false
        }
    }

    private static func target(_ host: NetworkTarget.Host, _ port: Int) -> NetworkTarget {
        NetworkTarget(parsing: text(host, port))
    }

    static func text(_ host: NetworkTarget.Host, _ port: Int) -> String {
        switch host {
        case .name(let name): "\(name):\(port)"
        case .address(let address): address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
        case .unparseable(let text): text
        }
    }
}
