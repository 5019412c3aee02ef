import Sandbox

/// The payload of the `security.*` kinds that report a refusal or a violation (all but
/// `sensitive_artifact_detected` and `repeated_timeout_failures`, which have types of their own).
///
/// Four layers report them and each attaches its own record, which is kept as it was written:
/// the policy (the finding's evidence, plus the call's `project_id`, `correlation_id`,
/// `conversation_id` and `at`), the worker's monitor (`Violation.json`, `source: kernel`), the
/// egress proxy and its DNS stub (`EgressConnectionRecord.json`, `source: proxy` / `dns`), and
/// the MCP gateway (`protocol`, `method`). What consumers decide on is typed; the rest of each
/// record is `evidence`, shown to operators and never interpreted.
public struct SecurityFinding: EventPayloadBody {
    /// Which layer saw it; nil for the policy, which refused the call before any sandbox ran.
    public enum Source: String, Sendable, CaseIterable {
        case kernel
        case proxy
        case dns
    }

    public var callId: String?
    public var tool: String?
    /// A `ReasonCode` raw value from the policy and the proxy; the worker's violation word (or the
    /// egress reason code it carries) from the kernel.
    public var reason: String?
    /// The allowlist entry's or the egress rule's code (`reason_code`), where the record has one.
    public var reasonCode: String?
    public var source: Source?
    /// The limit that fired (`security.limit_exceeded`): a sandbox limit or an egress one.
    public var limit: String?
    /// The worker's word for the violation (`kind` of `Violation.json`), for kernel reports.
    public var violationKind: String?
    /// The rest of the reporting layer's record, member for member as it wrote it.
    public var evidence: [String: JSONValue]

    public init(
        callId: String? = nil, tool: String? = nil, reason: String? = nil, reasonCode: String? = nil, source: Source? = nil,
        limit: String? = nil, violationKind: String? = nil, evidence: [String: JSONValue] = [:]
    ) {
        self.callId = callId
        self.tool = tool
        self.reason = reason
        self.reasonCode = reasonCode
        self.source = source
        self.limit = limit
        self.violationKind = violationKind
        self.evidence = evidence
    }

    /// Lifts the typed members out of a layer's record (string members only: a layer that wrote
    /// something else under one of those names keeps it as evidence); the rest stays evidence.
    public init(record: [String: JSONValue]) {
        var rest = record
        func lift(_ key: String) -> String? {
            guard case .string(let text)? = rest[key] else { return nil }
            rest[key] = nil
            return text
        }
        callId = lift("call_id")
        tool = lift("tool")
        reason = lift("reason")
        reasonCode = lift("reason_code")
        if let word = rest["source"]?.stringValue, let source = Source(rawValue: word) {
            self.source = source
            rest["source"] = nil
        } else {
            source = nil
        }
        limit = lift("limit")
        violationKind = lift("kind")
        evidence = rest
    }

    /// An open record: every object reads, its typed members lifted as `init(record:)` lifts them,
    /// so what a layer wrote reads back exactly.
    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        self.init(record: r.remaining())
    }

    public var json: JSONValue {
        var w = PayloadWriter(evidence)
        w.set("call_id", callId)
        w.set("tool", tool)
        w.set("reason", reason)
        w.set("reason_code", reasonCode)
        w.set("source", source)
        w.set("limit", limit)
        w.set("kind", violationKind)
        return w.json
    }
}
