/// The gateway protocols a call can arrive through, the values of `protocol_allowlist`.
///
/// `cli` is `jcs` verbs run against the daemon, `http` the local JSON API, `mcp` the Model Context
/// Protocol server. A project that should only be reachable by an agent over MCP lists just `mcp`.
public enum Gateway: String, Sendable, Hashable, CaseIterable {
    case cli
    case http
    case mcp
}
