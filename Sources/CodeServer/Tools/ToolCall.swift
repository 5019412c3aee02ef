import Sandbox

/// One request to run a tool, from any face (conversation, CLI, API, MCP). The ids are always
/// present: absent ones are generated here, so the policy record, the events and the result of
/// one call share them.
public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var tool: String
    public var arguments: JSONValue
    /// Nil for a call made outside any conversation.
    public var conversationId: String?
    public var correlationId: String
    /// The gateway protocol that carried the call; nil for an in-process library call.
    public var gateway: Gateway?

    public init(
        tool: String, arguments: JSONValue = [:], id: String? = nil, conversationId: String? = nil,
        correlationId: String? = nil, gateway: Gateway? = nil
    ) {
        self.id = id ?? Identifier.make("call")
        self.tool = tool
        self.arguments = arguments
        self.conversationId = conversationId
        self.correlationId = correlationId ?? Identifier.make("corr")
        self.gateway = gateway
    }
}
