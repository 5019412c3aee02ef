import Sandbox

/// `conversation.user.message`: the message as the conversation's journal holds it (the text,
/// redacted before it is stored or shown).
public struct UserMessage: EventPayloadBody {
    public var text: String

    public init(text: String) { self.text = text }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        text = try r.string("text")
    }

    public var json: JSONValue { ["text": .string(text)] }
}

/// `conversation.tool_requested`: a call the conversation accepted.
public struct ToolRequested: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var runMode: RunMode
    public var arguments: JSONValue

    public init(callId: String, tool: String, runMode: RunMode, arguments: JSONValue) {
        self.callId = callId
        self.tool = tool
        self.runMode = runMode
        self.arguments = arguments
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        runMode = try r.word("run_mode", as: RunMode.self)
        arguments = try r.json("arguments")
    }

    public var json: JSONValue {
        ["call_id": .string(callId), "tool": .string(tool), "run_mode": .string(runMode.rawValue), "arguments": arguments]
    }
}

/// `conversation.queue.overflow`: `limit` events were already `waiting`; `tool` when the refused
/// input was a tool request.
public struct QueueOverflow: EventPayloadBody {
    public var limit: Int64
    public var waiting: Int64
    public var tool: String?

    public init(limit: Int64, waiting: Int64, tool: String? = nil) {
        self.limit = limit
        self.waiting = waiting
        self.tool = tool
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        limit = try r.int("limit")
        waiting = try r.int("waiting")
        tool = try r.optionalString("tool")
    }

    public var json: JSONValue {
        var w = PayloadWriter(["limit": .int(limit), "waiting": .int(waiting)])
        w.set("tool", tool)
        return w.json
    }
}

/// `conversation.assistant.delta`: coalesced streamed text of one model step.
public struct AssistantDelta: EventPayloadBody {
    public var text: String
    public var step: Int64

    public init(text: String, step: Int64) {
        self.text = text
        self.step = step
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        text = try r.string("text")
        step = try r.int("step")
    }

    public var json: JSONValue { ["text": .string(text), "step": .int(step)] }
}

/// `conversation.assistant.message`: the final answer of a turn, after `steps` model requests.
public struct AssistantMessage: EventPayloadBody {
    public var text: String
    public var steps: Int64

    public init(text: String, steps: Int64) {
        self.text = text
        self.steps = steps
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        text = try r.string("text")
        steps = try r.int("steps")
    }

    public var json: JSONValue { ["text": .string(text), "steps": .int(steps)] }
}

/// `conversation.cancelled`: the turn that was running, if one was (written as `null` otherwise).
public struct ConversationCancelled: EventPayloadBody {
    public var turnCorrelationId: String?

    public init(turnCorrelationId: String?) { self.turnCorrelationId = turnCorrelationId }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        turnCorrelationId = try r.optionalString("turn_correlation_id")
    }

    public var json: JSONValue { ["turn_correlation_id": turnCorrelationId.map(JSONValue.string) ?? .null] }
}

/// `conversation.tool_refused`: a call the model proposed was refused before the gate; the model
/// was told `message`.
public struct ToolRefused: EventPayloadBody {
    public enum Reason: String, Sendable {
        case argumentsTooLarge = "arguments_too_large"
        case invalidArguments = "invalid_arguments"
    }

    public var toolCallId: String
    public var tool: String
    public var reason: Reason
    public var message: String
    public var argumentBytes: Int64

    public init(toolCallId: String, tool: String, reason: Reason, message: String, argumentBytes: Int64) {
        self.toolCallId = toolCallId
        self.tool = tool
        self.reason = reason
        self.message = message
        self.argumentBytes = argumentBytes
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        toolCallId = try r.string("tool_call_id")
        tool = try r.string("tool")
        reason = try r.word("reason", as: Reason.self)
        message = try r.string("message")
        argumentBytes = try r.int("argument_bytes")
    }

    public var json: JSONValue {
        [
            "tool_call_id": .string(toolCallId), "tool": .string(tool), "reason": .string(reason.rawValue),
            "message": .string(message), "argument_bytes": .int(argumentBytes),
        ]
    }
}

/// `conversation.assistant_tool_calls`: the model's reply that asked for tools, as the model
/// wrote it (`content` is `null` when the reply had no text); the calls in their wire form.
public struct AssistantToolCalls: EventPayloadBody {
    public var content: String?
    public var toolCalls: [ChatToolCall]

    public init(content: String?, toolCalls: [ChatToolCall]) {
        self.content = content
        self.toolCalls = toolCalls
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        content = try r.optionalString("content")
        guard case .array(let calls) = try r.json("tool_calls"), !calls.isEmpty else {
            throw r.fail("tool_calls", "not a non-empty array")
        }
        var read: [ChatToolCall] = []
        for (index, call) in calls.enumerated() {
            let at = "tool_calls[\(index)]"
            guard case .object(var members) = call else { throw r.fail(at, "not an object") }
            guard case .string(let id)? = members.removeValue(forKey: "id") else { throw r.fail(at + ".id", "missing or not a string") }
            guard members.removeValue(forKey: "type") == "function" else { throw r.fail(at + ".type", "not \"function\"") }
            guard case .object(var function)? = members.removeValue(forKey: "function") else {
                throw r.fail(at + ".function", "missing or not an object")
            }
            guard case .string(let name)? = function.removeValue(forKey: "name") else {
                throw r.fail(at + ".function.name", "missing or not a string")
            }
            guard case .string(let arguments)? = function.removeValue(forKey: "arguments") else {
                throw r.fail(at + ".function.arguments", "missing or not a string")
            }
            if let extra = (members.keys.sorted() + function.keys.sorted().map { "function." + $0 }).first {
                throw r.fail(at + "." + extra, "unknown member")
            }
            read.append(ChatToolCall(id: id, name: name, arguments: arguments))
        }
        toolCalls = read
    }

    public var json: JSONValue {
        var w = PayloadWriter(["tool_calls": .array(toolCalls.map(\.wire))])
        w.setOrNull("content", content)
        return w.json
    }
}

/// `conversation.tool_output`: what the model was told one of its tool calls returned.
public struct ToolOutput: EventPayloadBody {
    public var toolCallId: String
    public var content: String

    public init(toolCallId: String, content: String) {
        self.toolCallId = toolCallId
        self.content = content
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        toolCallId = try r.string("tool_call_id")
        content = try r.string("content")
    }

    public var json: JSONValue { ["tool_call_id": .string(toolCallId), "content": .string(content)] }
}
