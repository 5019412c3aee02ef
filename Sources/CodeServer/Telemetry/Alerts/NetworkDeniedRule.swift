/// `security.network_denied`: a warning by default (the engine's de-duplication keeps it to one per
/// project per suppression window); a page when it repeats, `repeatCount` (3) or more in `windowMs`
/// (5 minutes), for a project whose egress policy is enabled, where a denial is unexpected.
/// Protocol and endpoint denials arrive under the same name (the payload's `reason` tells them apart).
public struct NetworkDeniedRule: AlertRule {
    public let name = "network_denied"
    public var eventName = "security.network_denied"
    public var windowMs: Int64
    public var repeatCount: Int

    private struct ProjectState: Sendable {
        var count: SlidingCounter
        var trail = EvidenceTrail()
        var paging = false
    }

    private var projects: [String: ProjectState] = [:]

    public init(windowMs: Int64 = 300_000, repeatCount: Int = 3) {
        self.windowMs = windowMs
        self.repeatCount = repeatCount
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        var state = projects[event.projectId] ?? ProjectState(count: SlidingCounter(windowMs: windowMs))
        defer { projects[event.projectId] = state }
        state.count.record(at: now)
        state.trail.add(event)
        let count = state.count.count(at: now)
        let holds = context.egressEnabledProjects.contains(event.projectId) && count >= repeatCount
        defer { state.paging = holds }
        if holds {
            guard !state.paging else { return [] }
            return [AlertFiring(
                rule: name, severity: .page, projectId: event.projectId,
                summary: "\(count) network denials in \(windowMs / 1000) s for a project with egress enabled",
                dedupKey: "\(name):\(event.projectId):page", evidence: state.trail.evidence)]
        }
        return [AlertFiring(
            rule: name, severity: .warning, projectId: event.projectId,
            summary: "network denied in project \(event.projectId)",
            dedupKey: "\(name):\(event.projectId):warning", evidence: [Alert.Evidence(event)])]
    }
}
