/// The MCP revisions this server speaks. The newest is answered to a client that asks for one
/// it does not know, as the specification's negotiation says; the client then decides whether
/// to go on.
enum MCPProtocolVersion {
    /// Newest first.
    static let supported = ["2025-06-18", "2025-03-26", "2024-11-05"]
    static var newest: String { supported[0] }

    static func negotiate(_ requested: String) -> String {
        supported.contains(requested) ? requested : newest
    }
}
