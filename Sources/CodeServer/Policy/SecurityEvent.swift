import Sandbox

/// An event the policy layer asks the caller to emit. The policy only builds them (it does no
/// I/O); telemetry, the store and the conversation journal decide where they go.
public struct SecurityEvent: Sendable, Equatable {
    /// Event names as they appear on the wire.
    public enum Name: String, Sendable, Hashable, CaseIterable {
        case policyAllowed = "policy.allowed"
        case policyDenied = "policy.denied"
        /// A path argument resolved outside the project root.
        case sandboxViolation = "security.sandbox_violation"
        /// An `outside_root_allowlist` entry let a path through; the payload has its `reason_code`.
        case sandboxExceptionUsed = "security.sandbox_exception_used"
        case sensitivePathDenied = "security.sensitive_path_denied"
        /// The payload's `reason` is `network_denied`, `network_endpoint_denied` or
        /// `network_protocol_denied`.
        case networkDenied = "security.network_denied"
        case envDenied = "security.env_denied"
        /// The call arrived through a gateway (cli, http, mcp) missing from `protocol_allowlist`;
        /// the payload has the `protocol`.
        case protocolDenied = "security.protocol_denied"
    }

    public var name: Name
    /// An object: the call's ids, `reason`, `at`, and the finding's evidence.
    public var payload: JSONValue

    public init(name: Name, payload: JSONValue) {
        self.name = name
        self.payload = payload
    }
}
