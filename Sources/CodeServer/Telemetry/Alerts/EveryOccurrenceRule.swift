/// An alert for every event of one name, the engine's de-duplication keeping it to one per
/// condition: `security.sandbox_violation` (page, immediate escalation),
/// `security.sensitive_path_denied` (page), `security.sandbox_exception_used` (warning, one per
/// reason code, since the runbook asks to validate each reason) and
/// `security.sensitive_artifact_detected` (warning).
public struct EveryOccurrenceRule: AlertRule {
    public let name: String
    public var eventName: EventKind
    public var severity: Alert.Severity
    public var escalation: Alert.Escalation
    /// A payload member that distinguishes conditions within a project (part of the dedup key).
    public var distinguishingField: String?

    public init(
        name: String, eventName: EventKind, severity: Alert.Severity, escalation: Alert.Escalation = .none,
        distinguishingField: String? = nil
    ) {
        self.name = name
        self.eventName = eventName
        self.severity = severity
        self.escalation = escalation
        self.distinguishingField = distinguishingField
    }

    public static let sandboxViolation = EveryOccurrenceRule(
        name: "sandbox_violation", eventName: .sandboxViolation, severity: .page, escalation: .immediate)
    public static let sensitivePathDenied = EveryOccurrenceRule(
        name: "sensitive_path_denied", eventName: .sensitivePathDenied, severity: .page)
    public static let sandboxExceptionUsed = EveryOccurrenceRule(
        name: "sandbox_exception_used", eventName: .sandboxExceptionUsed, severity: .warning,
        distinguishingField: "reason_code")
    public static let sensitiveArtifactDetected = EveryOccurrenceRule(
        name: "sensitive_artifact_detected", eventName: .sensitiveArtifactDetected, severity: .warning)

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        var key = "\(name):\(event.projectId)"
        if let field = distinguishingField {
            key += ":" + (event.payload[field]?.stringValue ?? "-")
        }
        return [AlertFiring(
            rule: name, severity: severity, escalation: escalation, projectId: event.projectId,
            summary: "\(eventName.rawValue) in project \(event.projectId)", dedupKey: key, evidence: [Alert.Evidence(event)])]
    }
}
