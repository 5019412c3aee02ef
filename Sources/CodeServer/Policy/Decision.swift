import Sandbox

/// The one decision made for one call: the record the store keeps (project, conversation,
/// correlation id, tool, outcome, reason, reason codes, time) and the events to emit for it.
public struct Decision: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case allowed
        case denied
    }

    public var projectId: String
    public var conversationId: String?
    public var correlationId: String
    public var tool: String
    public var outcome: Outcome
    /// Every code that applied, without repeats, in the order the rules ran; never empty. A denied
    /// decision lists only denials; an allowed one starts with `allowed`, followed by
    /// `sandbox_exception_used` when an outside-root entry was used.
    public var reasonCodes: [ReasonCode]
    /// The findings as one sentence for people: "allowed", or the details of the denials.
    public var reason: String
    /// Milliseconds since the Unix epoch, as passed in by the caller: the policy reads no clock.
    public var atMs: Int64
    /// `policy.allowed` or `policy.denied` first (its payload is `verdict`), then one security
    /// event per finding that has one: payloads only, which the runner emits with the call's ids.
    public var events: [EventPayload]

    /// The primary reason: the first denial, or `allowed`.
    public var reasonCode: ReasonCode { reasonCodes[0] }

    public var isAllowed: Bool { outcome == .allowed }

    /// The decision record as the payload of `policy.allowed` / `policy.denied` (the runner adds
    /// the call's id).
    public var verdict: EventPayload {
        let verdict = PolicyVerdict(
            projectId: projectId, conversationId: conversationId, correlationId: correlationId, callId: nil, tool: tool,
            reason: reason, reasonCodes: reasonCodes, atMs: atMs)
        return isAllowed ? .policyAllowed(verdict) : .policyDenied(verdict)
    }
}
