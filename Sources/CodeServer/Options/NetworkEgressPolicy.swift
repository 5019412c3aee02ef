/// `network_egress_policy`: whether a project's tools may reach the network at all.
public enum NetworkEgressPolicy: String, Sendable, Hashable, CaseIterable {
    /// No network: the worker runs in an empty network namespace and the policy denies every
    /// network target it finds in the arguments with `network_denied`.
    case deny
    /// The worker gets the network its profile names, and the policy lets through only targets that
    /// `network_allowlist` covers. The kernel does not enforce the allowlist yet (that needs the
    /// egress proxy), so this checks arguments only.
    case allow
}
