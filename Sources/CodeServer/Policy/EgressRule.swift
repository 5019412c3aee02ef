import Sandbox

/// Which network targets a call may name, from `network_egress_policy`, `network_allowlist` and
/// `network_allowed_schemes`.
///
/// The scheme is checked under either policy, so that `file:///etc/passwd` or `gopher://…` is
/// refused for what it is even where the network is off. Under `deny` every target with a host is
/// `network_denied`; under `allow` a host no entry covers is `network_endpoint_denied`. One target
/// can be refused for its scheme and its host at once; both reasons are reported.
public struct EgressRule: Sendable, Equatable {
    public var policy: NetworkEgressPolicy
    public var allowlist: [NetworkAllowlistEntry]
    /// Lowercased.
    public var allowedSchemes: Set<String>

    public init(policy: NetworkEgressPolicy, allowlist: [NetworkAllowlistEntry], allowedSchemes: Set<String>) {
        self.policy = policy
        self.allowlist = allowlist
        self.allowedSchemes = Set(allowedSchemes.map { $0.lowercased() })
    }

    public func check(target: NetworkTarget) -> [Finding] {
        var findings: [Finding] = []
        if let scheme = target.scheme, !allowedSchemes.contains(scheme) {
            findings.append(
                finding(.networkProtocolDenied, target, "scheme '\(scheme)' is not in network_allowed_schemes"))
        }
        guard target.host != nil else { return findings }
        switch policy {
        case .deny:
            findings.append(finding(.networkDenied, target, "network_egress_policy is deny"))
        case .allow where !allowlist.contains(where: { $0.matches(target) }):
            findings.append(finding(.networkEndpointDenied, target, "no network_allowlist entry covers it"))
        case .allow:
            break
        }
        return findings
    }

    private func finding(_ code: ReasonCode, _ target: NetworkTarget, _ why: String) -> Finding {
        var evidence: [String: JSONValue] = ["target": .string(target.text)]
        if let scheme = target.scheme { evidence["scheme"] = .string(scheme) }
        switch target.host {
        case .name(let name)?: evidence["host"] = .string(name)
        case .address(let address)?: evidence["host"] = .string(address.description)
        case .unparseable(let text)?: evidence["host"] = .string(text)
        case nil: break
        }
        if let port = target.effectivePort { evidence["port"] = .int(Int64(port)) }
        return Finding(code: code, detail: "network target '\(target.text)': \(why)", evidence: evidence)
    }
}
