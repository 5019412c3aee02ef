import Sandbox

/// One thing a rule found about a call: its reason code, a sentence for people, and the evidence
/// (path, host, variable name, …) that goes into the security event. Rules return findings and
/// know nothing of the call's ids; `PolicyEngine` adds those when it turns findings into events.
public struct Finding: Sendable, Equatable {
    public var code: ReasonCode
    /// What was found, as a clause that reads well after "denied: " or in a list joined by "; ".
    public var detail: String
    /// Members merged into the event payload; keys are snake_case like the rest of the wire format.
    public var evidence: [String: JSONValue]

    public init(code: ReasonCode, detail: String, evidence: [String: JSONValue]) {
        self.code = code
        self.detail = detail
        self.evidence = evidence
    }
}
