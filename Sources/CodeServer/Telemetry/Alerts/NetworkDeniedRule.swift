import Sandbox

/// `security.network_denied`: a warning by default (the engine's de-duplication keeps it to one per
/// project per suppression window); a page when it repeats, `repeatCount` (3) or more in `windowMs`
/// (5 minutes), for a project whose egress policy is enabled, where a denial is unexpected.
/// Protocol and endpoint denials arrive under the same name (the payload's `reason` tells them apart).
public struct NetworkDeniedRule: AlertRule {
    public let name = "network_denied"
    public var eventName = EventKind.networkDenied
    /// Fixed at init: the per-project counters are sized by it.
    public let windowMs: Int64
    public var repeatCount: Int

    private var counts: LatchedWindowCounts

    public init(windowMs: Int64 = 300_000, repeatCount: Int = 3) {
        self.windowMs = windowMs
        self.repeatCount = repeatCount
        counts = LatchedWindowCounts(windowMs: windowMs)
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        let egress = context.egressEnabledProjects.contains(event.projectId)
        let reading = counts.record(event, now: now) { egress && $0 >= repeatCount }
        if reading.holds {
            guard reading.started else { return [] }
            return [AlertFiring(
                rule: name, severity: .page, projectId: event.projectId,
                summary: "\(reading.count) network denials in \(windowMs / 1000) s for a project with egress enabled",
                dedupKey: "\(name):\(event.projectId):page", evidence: reading.evidence)]
        }
        return [AlertFiring(
            rule: name, severity: .warning, projectId: event.projectId,
            summary: "network denied in project \(event.projectId)",
            dedupKey: "\(name):\(event.projectId):warning", evidence: [Alert.Evidence(event)])]
    }

    /// A warning while a denial happened in the window (the engine raises one per suppression
    /// window, which is this window), a page while `repeatCount` did where egress is enabled.
    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        counts.counts(at: now).flatMap { project, count -> [AlertCondition] in
            guard count > 0 else { return [] }
            if context.egressEnabledProjects.contains(project) && count >= repeatCount {
                return [AlertCondition(rule: name, severity: .page, projectId: project)]
            }
            return [AlertCondition(rule: name, severity: .warning, projectId: project)]
        }
    }

    public mutating func forget(project: String) { counts.forget(project: project) }
}
