import Sandbox

/// `llm.requested`: one model request of a turn.
public struct LLMRequested: EventPayloadBody {
    public var model: String
    public var step: Int64
    public var attempt: Int64
    public var messages: Int64
    public var tools: Int64
    /// Messages of the context sent shortened (`ChatMessage.elided`).
    public var elidedMessages: Int64

    public init(model: String, step: Int64, attempt: Int64, messages: Int64, tools: Int64, elidedMessages: Int64) {
        self.model = model
        self.step = step
        self.attempt = attempt
        self.messages = messages
        self.tools = tools
        self.elidedMessages = elidedMessages
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        model = try r.string("model")
        step = try r.int("step")
        attempt = try r.int("attempt")
        messages = try r.int("messages")
        tools = try r.int("tools")
        elidedMessages = try r.int("elided_messages")
    }

    public var json: JSONValue {
        [
            "model": .string(model), "step": .int(step), "attempt": .int(attempt), "messages": .int(messages),
            "tools": .int(tools), "elided_messages": .int(elidedMessages),
        ]
    }
}

/// `llm.completed`: a completion streamed to its end. What the provider did not report is `null`.
public struct LLMCompleted: EventPayloadBody {
    public var model: String
    public var step: Int64
    public var latencyMs: Int64
    public var timeToFirstTokenMs: Int64?
    public var tokensIn: Int64?
    public var tokensOut: Int64?
    public var finishReason: String?
    public var toolCalls: Int64

    public init(
        model: String, step: Int64, latencyMs: Int64, timeToFirstTokenMs: Int64?, tokensIn: Int64?, tokensOut: Int64?,
        finishReason: String?, toolCalls: Int64
    ) {
        self.model = model
        self.step = step
        self.latencyMs = latencyMs
        self.timeToFirstTokenMs = timeToFirstTokenMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.finishReason = finishReason
        self.toolCalls = toolCalls
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        model = try r.string("model")
        step = try r.int("step")
        latencyMs = try r.int("latency_ms")
        timeToFirstTokenMs = try r.optionalInt("time_to_first_token_ms")
        tokensIn = try r.optionalInt("tokens_in")
        tokensOut = try r.optionalInt("tokens_out")
        finishReason = try r.optionalString("finish_reason")
        toolCalls = try r.int("tool_calls")
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "model": .string(model), "step": .int(step), "latency_ms": .int(latencyMs), "tool_calls": .int(toolCalls),
        ])
        w.setOrNull("time_to_first_token_ms", timeToFirstTokenMs)
        w.setOrNull("tokens_in", tokensIn)
        w.setOrNull("tokens_out", tokensOut)
        w.setOrNull("finish_reason", finishReason)
        return w.json
    }
}

/// `llm.failed`: a request that will be retried (`final: false`, with the attempt, the delay and
/// the latency) or a turn that ended without an answer (`final: true`).
public struct LLMFailed: EventPayloadBody {
    public struct Retry: Sendable, Equatable {
        public var attempt: Int64
        public var retryInMs: Int64
        public var latencyMs: Int64

        public init(attempt: Int64, retryInMs: Int64, latencyMs: Int64) {
            self.attempt = attempt
            self.retryInMs = retryInMs
            self.latencyMs = latencyMs
        }
    }

    public var reason: LLMFailureReason
    /// Redacted by the agent, and again by the hub.
    public var detail: String
    public var step: Int64
    /// Nil when the turn ended (`final: true`).
    public var retry: Retry?

    public var isFinal: Bool { retry == nil }

    public init(reason: LLMFailureReason, detail: String, step: Int64, retry: Retry?) {
        self.reason = reason
        self.detail = detail
        self.step = step
        self.retry = retry
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        reason = try r.word("reason", as: LLMFailureReason.self)
        detail = try r.string("detail")
        step = try r.int("step")
        if try r.bool("final") {
            retry = nil
        } else {
            retry = Retry(attempt: try r.int("attempt"), retryInMs: try r.int("retry_in_ms"), latencyMs: try r.int("latency_ms"))
        }
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "reason": .string(reason.rawValue), "detail": .string(detail), "step": .int(step), "final": .bool(isFinal),
        ])
        if let retry {
            w["attempt"] = .int(retry.attempt)
            w["retry_in_ms"] = .int(retry.retryInMs)
            w["latency_ms"] = .int(retry.latencyMs)
        }
        return w.json
    }
}
