import Sandbox

/// An alert for every event of one name, the engine's de-duplication keeping it to one per
/// condition: `security.sandbox_violation`, `security.sensitive_path_denied` (page),
/// `security.sandbox_exception_used` (warning, one per reason code, since the runbook asks to
/// validate each reason) and `security.sensitive_artifact_detected` (warning).
///
/// `security.sandbox_violation` has two levels. One the sandbox reported (`source: kernel`: a
/// process inside it reached for what is outside the root) is the runbook's "page immediately"
/// with immediate escalation. One the policy refused from the call's arguments before any sandbox
/// ran (no `source`) is a page without escalation: nothing ran, and the attempt is the news.
public struct EveryOccurrenceRule: AlertRule {
    /// A severity and escalation together.
    public struct Level: Sendable, Hashable {
        public var severity: Alert.Severity
        public var escalation: Alert.Escalation

        public init(_ severity: Alert.Severity, _ escalation: Alert.Escalation = .none) {
            self.severity = severity
            self.escalation = escalation
        }
    }

    public let name: String
    public var eventName: EventKind
    public var severity: Alert.Severity
    public var escalation: Alert.Escalation
    /// The level of an event the policy produced (its payload has no `source: kernel`); nil when
    /// every event of the name has the same level.
    public var beforeSandbox: Level?
    /// A member of the finding that distinguishes conditions within a project (part of the dedup key).
    public var distinguishingField: (KeyPath<SecurityFinding, String?> & Sendable)?
    /// How long after an occurrence its condition counts as holding: the engine's suppression
    /// window, during which it raises nothing new for the same condition.
    public var windowMs: Int64

    private struct Key: Hashable, Sendable {
        var project: String
        var distinction: String
        var level: Level
    }

    private var lastSeen: [Key: Int64] = [:]

    public init(
        name: String, eventName: EventKind, severity: Alert.Severity, escalation: Alert.Escalation = .none,
        beforeSandbox: Level? = nil, distinguishingField: (KeyPath<SecurityFinding, String?> & Sendable)? = nil, windowMs: Int64 = 300_000
    ) {
        self.name = name
        self.eventName = eventName
        self.severity = severity
        self.escalation = escalation
        self.beforeSandbox = beforeSandbox
        self.distinguishingField = distinguishingField
        self.windowMs = windowMs
    }

    public static let sandboxViolation = EveryOccurrenceRule(
        name: "sandbox_violation", eventName: .sandboxViolation, severity: .page, escalation: .immediate,
        beforeSandbox: Level(.page))
    public static let sensitivePathDenied = EveryOccurrenceRule(
        name: "sensitive_path_denied", eventName: .sensitivePathDenied, severity: .page)
    public static let sandboxExceptionUsed = EveryOccurrenceRule(
        name: "sandbox_exception_used", eventName: .sandboxExceptionUsed, severity: .warning,
        distinguishingField: \SecurityFinding.reasonCode)
    public static let sensitiveArtifactDetected = EveryOccurrenceRule(
        name: "sensitive_artifact_detected", eventName: .sensitiveArtifactDetected, severity: .warning)

    /// The level of `event`.
    func level(of event: TelemetryEvent) -> Level {
        if let beforeSandbox, event.payload.securityFinding?.source != .kernel { return beforeSandbox }
        return Level(severity, escalation)
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        let level = self.level(of: event)
        var key = "\(name):\(event.projectId)"
        let distinction = distinguishingField.map { event.payload.securityFinding?[keyPath: $0] ?? "-" } ?? ""
        if distinguishingField != nil { key += ":" + distinction }
        if beforeSandbox != nil { key += ":" + level.escalation.rawValue }
        // Pruned as it goes: a key whose window passed is no condition any more.
        if lastSeen.count > 4096 { lastSeen = lastSeen.filter { now - $0.value < windowMs } }
        lastSeen[Key(project: event.projectId, distinction: distinction, level: level)] = now
        let stage = beforeSandbox == nil ? "" : (level.escalation == escalation ? " (reported by the sandbox)" : " (refused by the policy before any sandbox ran)")
        return [AlertFiring(
            rule: name, severity: level.severity, escalation: level.escalation, projectId: event.projectId,
            summary: "\(eventName.rawValue) in project \(event.projectId)\(stage)", dedupKey: key, evidence: [Alert.Evidence(event)])]
    }

    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        Set(lastSeen.filter { now - $0.value < windowMs }.keys.map {
            AlertCondition(rule: name, severity: $0.level.severity, escalation: $0.level.escalation, projectId: $0.project)
        }).sorted { ($0.projectId, $0.escalation.rawValue) < ($1.projectId, $1.escalation.rawValue) }
    }

    public mutating func forget(project: String) { lastSeen = lastSeen.filter { $0.key.project != project } }
}
