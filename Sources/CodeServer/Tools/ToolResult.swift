import Sandbox

/// What became of one tool call. Every call gets one, whatever happened: an unknown tool, a
/// denial or a crashed worker is a result with a reason, never an error thrown at the caller.
public struct ToolResult: Sendable, Equatable {
    public enum Status: String, Sendable {
        case completed
        case failed
        case timeout
        case cancelled
    }

    public var callId: String
    public var tool: String
    public var conversationId: String?
    public var correlationId: String
    public var status: Status
    /// Set for every status but `completed`.
    public var reason: FailureReason?
    /// A sentence for people: the denial, the schema errors, the tool's stderr.
    public var message: String?
    /// The tool's output (for `completed`), an object.
    public var output: JSONValue?
    /// The policy decision, when the call got that far.
    public var decision: Decision?
    /// What the kernel refused while the tool ran.
    public var violations: [Violation]
    /// Credentials the sensitive-artifact scan found in the output; a non-empty list flags the result.
    public var sensitiveFindings: [SensitiveFinding]
    public var durationMs: Int64
    /// What the call's tool reached through the egress proxy (`network_egress_policy: allow`).
    public var network: EgressReport?

    public var isSensitive: Bool { !sensitiveFindings.isEmpty }

    public init(
        call: ToolCall, status: Status, reason: FailureReason? = nil, message: String? = nil, output: JSONValue? = nil,
        decision: Decision? = nil, violations: [Violation] = [], sensitiveFindings: [SensitiveFinding] = [],
        durationMs: Int64 = 0
    ) {
        callId = call.id
        tool = call.tool
        conversationId = call.conversationId
        correlationId = call.correlationId
        self.status = status
        self.reason = reason
        self.message = message
        self.output = output
        self.decision = decision
        self.violations = violations
        self.sensitiveFindings = sensitiveFindings
        self.durationMs = durationMs
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "call_id": .string(callId), "tool": .string(tool), "correlation_id": .string(correlationId),
            "status": .string(status.rawValue), "duration_ms": .int(durationMs),
            "violations": .array(violations.map(\.json)), "sensitive": .bool(isSensitive),
            "sensitive_findings": .array(sensitiveFindings.map(\.json)),
        ]
        if let conversationId { object["conversation_id"] = .string(conversationId) }
        if let reason { object["reason"] = .string(reason.rawValue) }
        if let message { object["message"] = .string(message) }
        if let output { object["output"] = output }
        if let network { object["network"] = network.json }
        if let decision {
            object["reason_codes"] = .array(decision.reasonCodes.map { .string($0.rawValue) })
        }
        return .object(object)
    }
}
