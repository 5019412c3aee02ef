import Sandbox

/// Why a decision came out as it did, as a stable code that records, events and clients match on.
/// The raw values are the wire names (runbook, telemetry, API), so they never change once shipped.
public enum ReasonCode: String, Sendable, Hashable, CaseIterable {
    /// No rule objected.
    case allowed
    /// The tool matches an entry of `deny_tools`.
    case toolDenied = "tool_denied"
    /// `allow_tools` is not empty and the tool matches none of its entries.
    case toolNotAllowed = "tool_not_allowed"
    /// The call arrived through a gateway protocol missing from `protocol_allowlist`.
    case protocolDenied = "protocol_denied"
    /// A path argument resolves outside the project root and no outside-root entry covers it.
    case sandboxViolation = "sandbox_violation"
    /// A path argument outside the root was let through by an `outside_root_allowlist` entry.
    /// Not a denial: it is recorded so that every use of an exception leaves a trace.
    case sandboxExceptionUsed = "sandbox_exception_used"
    /// A path argument matches `sensitive_path_denylist` and no `sensitive_path_allowlist` entry.
    case sensitivePathDenied = "sensitive_path_denied"
    /// A network target under `network_egress_policy: deny`.
    case networkDenied = "network_denied"
    /// A network target under `network_egress_policy: allow` that no `network_allowlist` entry covers.
    case networkEndpointDenied = "network_endpoint_denied"
    /// A network target whose scheme is missing from `network_allowed_schemes`.
    case networkProtocolDenied = "network_protocol_denied"
    /// A write to a protected path (`ProtectedPaths`: `.jido/`, git's hooks and config, …) that no
    /// `protected_path_exceptions` entry lifts.
    case protectedPath = "protected_path"
    /// An environment variable the call asks for that `tool_env_allowlist` does not cover.
    case envDenied = "env_denied"

    /// Whether the code alone makes a decision `denied`.
    public var isDenial: Bool {
        switch self {
        case .allowed, .sandboxExceptionUsed: false
        default: true
        }
    }

    /// The security event that reports a finding with this code, if it has one. Tool denials are
    /// configuration at work rather than an attempt on the sandbox, so they are only in
    /// `policy.denied`. A protocol denial is a caller reaching the project through a door the
    /// operator closed (an agent over MCP where only the CLI is allowed): that is worth its own signal.
    public var securityEvent: EventKind? {
        switch self {
        case .allowed, .toolDenied, .toolNotAllowed: nil
        case .protocolDenied: .protocolDenied
        // A tool writing what the host will run is an attempt on the boundary, like a path out.
        case .sandboxViolation, .protectedPath: .sandboxViolation
        case .sandboxExceptionUsed: .sandboxExceptionUsed
        case .sensitivePathDenied: .sensitivePathDenied
        case .networkDenied, .networkEndpointDenied, .networkProtocolDenied: .networkDenied
        case .envDenied: .envDenied
        }
    }
}
