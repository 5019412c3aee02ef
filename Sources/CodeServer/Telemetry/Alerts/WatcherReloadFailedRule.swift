/// `project.watcher_reload_failed`: a warning on the first in `windowMs` (10 minutes), a page with
/// same-day escalation once `pageCount` (3) happened within it; latched until an event finds fewer.
public struct WatcherReloadFailedRule: AlertRule {
    public let name = "watcher_reload_failed"
    public var eventName = "project.watcher_reload_failed"
    public var windowMs: Int64
    public var pageCount: Int

    private struct ProjectState: Sendable {
        var count: SlidingCounter
        var trail = EvidenceTrail()
        var paging = false
    }

    private var projects: [String: ProjectState] = [:]

    public init(windowMs: Int64 = 600_000, pageCount: Int = 3) {
        self.windowMs = windowMs
        self.pageCount = pageCount
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        var state = projects[event.projectId] ?? ProjectState(count: SlidingCounter(windowMs: windowMs))
        defer { projects[event.projectId] = state }
        state.count.record(at: now)
        state.trail.add(event)
        let count = state.count.count(at: now)
        let holds = count >= pageCount
        defer { state.paging = holds }
        if count == 1 {
            return [AlertFiring(
                rule: name, severity: .warning, projectId: event.projectId,
                summary: "asset watcher reload failed in project \(event.projectId)",
                dedupKey: "\(name):\(event.projectId):warning", evidence: [Alert.Evidence(event)])]
        }
        guard holds, !state.paging else { return [] }
        return [AlertFiring(
            rule: name, severity: .page, escalation: .sameDay, projectId: event.projectId,
            summary: "\(count) watcher reload failures in \(windowMs / 1000) s",
            dedupKey: "\(name):\(event.projectId):page", evidence: state.trail.evidence)]
    }
}
