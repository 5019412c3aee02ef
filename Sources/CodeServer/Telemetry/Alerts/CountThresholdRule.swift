import Sandbox

/// More than `maximumCount` events of one name for a project within a window; latched, so it fires
/// once when the count first exceeds the threshold and re-arms once an event finds it back at or
/// below. Default: `tool.timeout`, more than 10 in 5 minutes, page (runbook: "investigate
/// immediately").
public struct CountThresholdRule: AlertRule {
    public let name: String
    public var eventName: EventKind
    /// Fixed at init: the per-project counters are sized by it.
    public let windowMs: Int64
    public var maximumCount: Int
    public var severity: Alert.Severity

    private var counts: LatchedWindowCounts

    public init(
        name: String, eventName: EventKind, windowMs: Int64, maximumCount: Int, severity: Alert.Severity
    ) {
        self.name = name
        self.eventName = eventName
        self.windowMs = windowMs
        self.maximumCount = maximumCount
        self.severity = severity
        counts = LatchedWindowCounts(windowMs: windowMs)
    }

    public static func toolTimeouts(windowMs: Int64 = 300_000, maximumCount: Int = 10) -> CountThresholdRule {
        CountThresholdRule(
            name: "tool_timeout_spike", eventName: .toolTimeout, windowMs: windowMs, maximumCount: maximumCount,
            severity: .page)
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        let reading = counts.record(event, now: now) { $0 > maximumCount }
        guard reading.started else { return [] }
        return [AlertFiring(
            rule: name, severity: severity, projectId: event.projectId,
            summary: "\(reading.count) \(eventName.rawValue) in \(windowMs / 1000) s (threshold \(maximumCount))",
            dedupKey: "\(name):\(event.projectId)", evidence: reading.evidence)]
    }

    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        counts.counts(at: now).filter { $0.count > maximumCount }.map {
            AlertCondition(rule: name, severity: severity, projectId: $0.project)
        }
    }

    public mutating func forget(project: String) { counts.forget(project: project) }
}
