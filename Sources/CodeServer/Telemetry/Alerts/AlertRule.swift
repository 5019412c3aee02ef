/// A rule's conclusion before the engine numbers and de-duplicates it.
public struct AlertFiring: Sendable, Equatable {
    public var rule: String
    public var severity: Alert.Severity
    public var escalation: Alert.Escalation
    public var projectId: String
    public var summary: String
    public var dedupKey: String
    public var evidence: [Alert.Evidence]

    public init(
        rule: String, severity: Alert.Severity, escalation: Alert.Escalation = .none, projectId: String,
        summary: String, dedupKey: String, evidence: [Alert.Evidence]
    ) {
        self.rule = rule
        self.severity = severity
        self.escalation = escalation
        self.projectId = projectId
        self.summary = summary
        self.dedupKey = dedupKey
        self.evidence = evidence
    }
}

/// A rule's condition that holds at a moment, whether or not an alert was raised for it just
/// now: what `/metrics` exports as `jcs_alerts_active`, so Prometheus fires on exactly the
/// condition the daemon's engine fires on (no `increase()` extrapolation, no first-scrape gap).
public struct AlertCondition: Sendable, Equatable, Hashable {
    public var rule: String
    public var severity: Alert.Severity
    public var escalation: Alert.Escalation
    public var projectId: String

    public init(rule: String, severity: Alert.Severity, escalation: Alert.Escalation = .none, projectId: String) {
        self.rule = rule
        self.severity = severity
        self.escalation = escalation
        self.projectId = projectId
    }
}

/// What rules may know besides the events: project settings the coordinator tells the hub.
public struct AlertContext: Sendable {
    /// Projects whose network egress policy allows some traffic; a denial there is unexpected.
    public var egressEnabledProjects: Set<String> = []

    public init(egressEnabledProjects: Set<String> = []) {
        self.egressEnabledProjects = egressEnabledProjects
    }
}

/// One alert rule: a small state machine fed every event with the hub's `now`.
///
/// - Important: rules never read a clock; windows are measured against `now`, the hub's injected
///   clock at the time the event was emitted, so tests drive them with a manual clock.
///   Threshold rules latch: they fire when the condition starts to hold and re-arm when an event
///   finds it no longer holding, so a condition that lasts fires once, not once per event.
///   `conditions(now:)` says which of the rule's conditions hold at `now` (the alert was raised
///   when it started, or for an every-occurrence rule, within the suppression window); it must
///   answer with the same thresholds `observe` fires on.
///   `forget(project:)` drops a project's state when it starts again: a new incarnation's
///   windows start empty.
public protocol AlertRule: Sendable {
    var name: String { get }
    mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring]
    func conditions(now: Int64, context: AlertContext) -> [AlertCondition]
    mutating func forget(project: String)
}
