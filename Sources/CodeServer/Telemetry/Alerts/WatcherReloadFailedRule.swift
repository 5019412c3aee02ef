import Sandbox

/// `project.watcher_reload_failed`: a warning on the first in `windowMs` (10 minutes), a page with
/// same-day escalation once `pageCount` (3) happened within it; latched until an event finds fewer.
public struct WatcherReloadFailedRule: AlertRule {
    public let name = "watcher_reload_failed"
    public var eventName = EventKind.projectWatcherReloadFailed
    /// Fixed at init: the per-project counters are sized by it.
    public let windowMs: Int64
    public var pageCount: Int

    private var counts: LatchedWindowCounts

    public init(windowMs: Int64 = 600_000, pageCount: Int = 3) {
        self.windowMs = windowMs
        self.pageCount = pageCount
        counts = LatchedWindowCounts(windowMs: windowMs)
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        let reading = counts.record(event, now: now) { $0 >= pageCount }
        if reading.count == 1 {
            return [AlertFiring(
                rule: name, severity: .warning, projectId: event.projectId,
                summary: "asset watcher reload failed in project \(event.projectId)",
                dedupKey: "\(name):\(event.projectId):warning", evidence: [Alert.Evidence(event)])]
        }
        guard reading.started else { return [] }
        return [AlertFiring(
            rule: name, severity: .page, escalation: .sameDay, projectId: event.projectId,
            summary: "\(reading.count) watcher reload failures in \(windowMs / 1000) s",
            dedupKey: "\(name):\(event.projectId):page", evidence: reading.evidence)]
    }

    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        counts.counts(at: now).compactMap { project, count -> AlertCondition? in
            guard count > 0 else { return nil }
            return count >= pageCount
                ? AlertCondition(rule: name, severity: .page, escalation: .sameDay, projectId: project)
                : AlertCondition(rule: name, severity: .warning, projectId: project)
        }
    }

    public mutating func forget(project: String) { counts.forget(project: project) }
}
