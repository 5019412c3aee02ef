import Sandbox

/// Every resource a client can make the daemon hold, bounded: a default here, a key of the
/// config file (`limits.*`, `tcp.*` for the listener's), and a refusal that names the key
/// (`Budget`). `docs/api.md` lists them in one table.
public struct DaemonLimits: Sendable, Equatable {
    /// `events?follow` streams open at once, over all projects.
    public var maxFollowers = 256
    /// … and per project: one tenant cannot take every follower slot.
    public var maxFollowersPerProject = 32
    /// MCP sessions held at once, over all projects.
    public var maxMCPSessions = 1024
    /// … and per project. A session with calls in flight is never evicted: past the budget the
    /// oldest idle one of the same project goes, and with none idle `initialize` is refused.
    public var maxMCPSessionsPerProject = 64
    /// Async calls outside conversations held at once (running or kept for reading), all projects.
    public var maxDetachedCalls = 1024
    /// … and per project.
    public var maxDetachedCallsPerProject = 128
    /// Bytes of finished detached results kept for reading, over all projects; past it the
    /// oldest finished results are forgotten first.
    public var maxKeptResultBytes = 64 << 20

    public init() {}

    /// The keys of `limits` in the config file, with their ranges.
    static var keys: [(key: String, range: ClosedRange<Int>, path: WritableKeyPath<DaemonLimits, Int>)] { [
        ("max_followers", 1...100_000, \.maxFollowers),
        ("max_followers_per_project", 1...100_000, \.maxFollowersPerProject),
        ("max_mcp_sessions", 1...1_000_000, \.maxMCPSessions),
        ("max_mcp_sessions_per_project", 1...1_000_000, \.maxMCPSessionsPerProject),
        ("max_detached_calls", 1...1_000_000, \.maxDetachedCalls),
        ("max_detached_calls_per_project", 1...1_000_000, \.maxDetachedCallsPerProject),
        ("max_kept_result_bytes", 1024...(1 << 40), \.maxKeptResultBytes),
    ] }

    var summary: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: Self.keys.map { ($0.key, JSONValue.int(Int64(self[keyPath: $0.path]))) }))
    }
}

/// A budget a refusal names: its config key is the `field` of the error, so the operator knows
/// which option to raise and the client which limit it hit.
public enum Budget: String, Sendable {
    case followers = "limits.max_followers"
    case followersPerProject = "limits.max_followers_per_project"
    case mcpSessions = "limits.max_mcp_sessions"
    case mcpSessionsPerProject = "limits.max_mcp_sessions_per_project"
    case detachedCalls = "limits.max_detached_calls"
    case detachedCallsPerProject = "limits.max_detached_calls_per_project"
    case keptResultBytes = "limits.max_kept_result_bytes"
    case tcpConnections = "tcp.max_connections"
    case tcpConnectionsPerAddress = "tcp.max_connections_per_address"
    case tcpRequestsPerToken = "tcp.max_requests_per_token"

    /// Whether one tenant filled it (429: that tenant should back off) or everyone did (503).
    var isShared: Bool {
        switch self {
        case .followers, .mcpSessions, .detachedCalls, .keptResultBytes, .tcpConnections: true
        default: false
        }
    }
}
