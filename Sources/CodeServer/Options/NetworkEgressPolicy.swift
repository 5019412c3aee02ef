/// `network_egress_policy`: whether a project's tools may reach the network at all.
public enum NetworkEgressPolicy: String, Sendable, Hashable, CaseIterable {
    /// No network: the worker runs in an empty network namespace and the policy denies every
    /// network target it finds in the arguments with `network_denied`.
    case deny
    /// The sandbox keeps its empty network namespace; the monitor hands each connect the policy
    /// allows a tunnel through the project's egress proxy (`Egress/`, `docs/network.md`), which
    /// applies `network_allowlist`, `network_denylist` and `network_allowed_schemes`. The policy
    /// still refuses uncovered targets in arguments early.
    case allow
}
