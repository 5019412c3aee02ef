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
    ///
    /// - Parameter resolved: the addresses this call's own lookup of the name was answered with
    ///   (`EgressDNSStub`): the tool connects to one of them, so the name is decided with that
    ///   address rather than resolved again (a round-robin name may answer differently).
    public func decide(
        host: NetworkTarget.Host, port: Int, protocol proto: EgressProtocol, resolved: [IPAddress]? = nil
    ) -> EgressDecision {
        let shown = Self.text(host, port)
        guard allowedProtocols.contains(proto.rawValue) else {
            return .deny(code: .networkProtocolDenied, detail: "\(shown): protocol '\(proto.rawValue)' is not in network_allowed_schemes")
        }
        if let refusal = check(host, port: port, shown: shown) { return refusal }
        switch host {
        case .unparseable, .name:
            return decide(addresses: resolved ?? resolve(host), port: port, shown: shown)
        case .address(let address):
            return decide(address: address, port: port, shown: shown, viaName: false)
        }
    }

    /// A name lookup from inside the sandbox (`EgressDNSStub`): answered when a connection to the
    /// name could be allowed on some port — the same deny list, allow list and special-address
    /// rules as `decide`, with a port-specific entry counting for its port only (an allow entry
    /// `host:8080` lets the name resolve; a deny entry `host:22` does not stop it). Not gated by
    /// `network_allowed_schemes`: a lookup reaches nothing, and the connection that follows is.
    public func lookup(_ name: String) -> EgressLookup {
        let host = NetworkTarget.Host.name(name)
        if let refusal = check(host, port: nil, shown: name) {
            guard case .deny(let code, let detail) = refusal else { return .nonexistent }
            return .deny(code: code, detail: detail)
        }
        let addresses = resolve(host)
        guard !addresses.isEmpty else { return .nonexistent }
        switch decide(addresses: addresses, port: nil, shown: name) {
        case .allow(let allowed): return .answer(allowed)
        case .deny(let code, let detail): return .deny(code: code, detail: detail)
        }
    }

    /// The deny list against the host as named, then (for a name) the allow list: a refusal, or
    /// nil to go on to the addresses.
    private func check(_ host: NetworkTarget.Host, port: Int?, shown: String) -> EgressDecision? {
        if let entry = denylist.first(where: { Self.matches($0, host, port, denying: true) }) {
            return .deny(code: .networkEndpointDenied, detail: "\(shown): network_denylist entry '\(entry)'")
        }
        switch host {
        case .unparseable(let text):
            return .deny(code: .networkEndpointDenied, detail: "'\(text)' is not a host name or address")
        case .address:
            return nil
        case .name:
            guard allowlist.contains(where: { Self.matches($0, host, port, denying: false) }) else {
                return .deny(code: .networkEndpointDenied, detail: "\(shown): no network_allowlist entry covers it")
            }
            return nil
        }
    }

    private func resolve(_ host: NetworkTarget.Host) -> [IPAddress] {
        guard case .name(let name) = host else { return [] }
        return EgressResolver(overrides: hostOverrides).resolve(name)
    }

    /// The addresses a name gave: each checked; allowed are those that pass.
    private func decide(addresses: [IPAddress], port: Int?, shown: String) -> EgressDecision {
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

    /// An address, literal or resolved. Reached by name, an ordinary address needs no entry of
    /// its own (the name's entry covers it); a special one always does. `port` nil: a lookup.
    private func decide(address: IPAddress, port: Int?, shown: String, viaName: Bool) -> EgressDecision {
        let host = NetworkTarget.Host.address(address)
        if let entry = denylist.first(where: { Self.matches($0, host, port, denying: true) }) {
            return .deny(code: .networkEndpointDenied, detail: "\(shown): network_denylist entry '\(entry)'")
        }
        let matching = allowlist.filter { Self.matches($0, host, port, denying: false) }
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

    /// Whether `entry` covers `host` on `port`; with no port (a lookup), an allow entry covers
    /// the host on its own port, a deny entry only when it names no port.
    private static func matches(_ entry: NetworkAllowlistEntry, _ host: NetworkTarget.Host, _ port: Int?, denying: Bool) -> Bool {
        if let port { return entry.matches(target(host, port)) }
        if case .host(_, let entryPort?) = entry.rule { return !denying && entry.matches(target(host, entryPort)) }
        return entry.matches(target(host, 443))
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
