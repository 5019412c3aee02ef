/// The gateway protocols a call can arrive through, the values of `protocol_allowlist`.
///
/// `cli` is `jcs` verbs run against the daemon, `http` the local JSON API, `mcp` the Model Context
/// Protocol server, `a2a` the Agent2Agent face (the project's conversation agent). A project that
/// should only be reachable by an agent over MCP lists just `mcp`.
public enum Gateway: String, Sendable, Hashable, CaseIterable {
    case cli
    case http
    case mcp
    case a2a
}
