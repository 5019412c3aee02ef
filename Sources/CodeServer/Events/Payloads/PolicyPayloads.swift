import Sandbox

/// `policy.allowed` / `policy.denied`: the decision record (`Decision.record`). The verdict word
/// (`decision`) is the kind's, written by `EventPayload`, so an allowed record cannot be a denial.
public struct PolicyVerdict: EventPayloadBody {
    public var projectId: String
    public var conversationId: String?
    public var correlationId: String
    /// The call the decision was made for (the runner adds it; nil for a decision made outside one).
    public var callId: String?
    public var tool: String
    /// The findings as one sentence for people ("allowed", or the details of the denials).
    public var reason: String
    public var reasonCodes: [ReasonCode]
    public var atMs: Int64

    public init(
        projectId: String, conversationId: String?, correlationId: String, callId: String?, tool: String, reason: String,
        reasonCodes: [ReasonCode], atMs: Int64
    ) {
        self.projectId = projectId
        self.conversationId = conversationId
        self.correlationId = correlationId
        self.callId = callId
        self.tool = tool
        self.reason = reason
        self.reasonCodes = reasonCodes
        self.atMs = atMs
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        projectId = try r.string("project_id")
        conversationId = try r.optionalString("conversation_id")
        correlationId = try r.string("correlation_id")
        callId = try r.optionalString("call_id")
        tool = try r.string("tool")
        reason = try r.string("reason")
        reasonCodes = try r.words("reason_codes", as: ReasonCode.self)
        atMs = try r.time("at")
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "project_id": .string(projectId), "correlation_id": .string(correlationId), "tool": .string(tool),
            "reason": .string(reason), "reason_codes": .array(reasonCodes.map { .string($0.rawValue) }),
            "at": .string(Timestamp.rfc3339(ms: atMs)),
        ])
        w.set("conversation_id", conversationId)
        w.set("call_id", callId)
        return w.json
    }
}
