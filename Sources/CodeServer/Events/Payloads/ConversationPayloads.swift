import Sandbox

/// `conversation.user_message`: the message's text is in the conversation's journal, not here;
/// the event says which journal entry it is.
public struct UserMessage: EventPayloadBody {
    public var sequence: Int64

    public init(sequence: Int64) { self.sequence = sequence }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        sequence = try r.int("sequence")
    }

    public var json: JSONValue { ["sequence": .int(sequence)] }
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
