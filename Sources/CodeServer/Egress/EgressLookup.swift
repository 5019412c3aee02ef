/// The egress policy's answer to a name lookup from inside the sandbox (`EgressPolicy.lookup`).
public enum EgressLookup: Sendable, Equatable {
    /// The addresses the tool may be told (overrides, or the host's resolver, minus refused ones).
    case answer([IPAddress])
    /// The name is allowed but does not resolve: NXDOMAIN, and nothing to report.
    case nonexistent
    /// Refused by the policy; `detail` names the rule.
    case deny(code: ReasonCode, detail: String)
}
