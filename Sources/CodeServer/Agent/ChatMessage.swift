import Sandbox

/// One message of a chat-completions conversation, as the model sees it.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system
        case user
        case assistant
        case tool
    }

    public var role: Role
    /// nil for an assistant message that only calls tools.
    public var content: String?
    /// The calls an assistant message made.
    public var toolCalls: [ChatToolCall]
    /// For a `tool` message: the call it answers.
    public var toolCallId: String?
    /// Set when the context budget replaced this message's content (a tool output).
    public var elided: Bool

    public init(
        role: Role, content: String?, toolCalls: [ChatToolCall] = [], toolCallId: String? = nil, elided: Bool = false
    ) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallId = toolCallId
        self.elided = elided
    }

    /// The message on the wire (`messages[]` of the request).
    public var wire: JSONValue {
        var object: [String: JSONValue] = ["role": .string(role.rawValue), "content": content.map(JSONValue.string) ?? .null]
        if !toolCalls.isEmpty { object["tool_calls"] = .array(toolCalls.map(\.wire)) }
        if let toolCallId { object["tool_call_id"] = .string(toolCallId) }
        return .object(object)
    }

    /// The message in the `llm_context` projection: the wire form plus whether it was elided.
    public var json: JSONValue {
        guard var object = wire.objectValue else { return wire }
        if elided { object["elided"] = true }
        return .object(object)
    }

    /// The bytes this message costs against the context budget (its text and arguments).
    var size: Int { (content?.utf8.count ?? 0) + toolCalls.reduce(0) { $0 + $1.arguments.utf8.count + $1.name.utf8.count } }
}

/// A tool call the model proposed: `arguments` is the JSON text as the model wrote it, which may
/// not be JSON at all (the loop tells the model so).
public struct ChatToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    var wire: JSONValue {
        [
            "id": .string(id), "type": "function",
            "function": ["name": .string(name), "arguments": .string(arguments)],
        ]
    }
}

/// One request to the model.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    /// `tools[]` entries (`{"type":"function","function":{…}}`).
    public var tools: [JSONValue]
    public var temperature: Double?
    public var maxTokens: Int?

    public init(model: String, messages: [ChatMessage], tools: [JSONValue], temperature: Double?, maxTokens: Int?) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    /// The body of `POST /chat/completions`: streamed, with usage in the last chunk.
    public var body: JSONValue {
        var object: [String: JSONValue] = [
            "model": .string(model), "messages": .array(messages.map(\.wire)), "stream": true,
            "stream_options": ["include_usage": true],
        ]
        if !tools.isEmpty {
            object["tools"] = .array(tools)
            object["tool_choice"] = "auto"
            object["parallel_tool_calls"] = true
        }
        if let temperature { object["temperature"] = .double(temperature) }
        if let maxTokens { object["max_tokens"] = .int(Int64(maxTokens)) }
        return .object(object)
    }
}

/// A streamed completion, assembled.
public struct ChatCompletion: Sendable, Equatable {
    public var content: String
    public var toolCalls: [ChatToolCall]
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// From the request's start to the first chunk that carried content or a call.
    public var timeToFirstTokenMs: Int64?

    public init(
        content: String = "", toolCalls: [ChatToolCall] = [], finishReason: String? = nil, promptTokens: Int? = nil,
        completionTokens: Int? = nil, timeToFirstTokenMs: Int64? = nil
    ) {
        self.content = content
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.timeToFirstTokenMs = timeToFirstTokenMs
    }
}
