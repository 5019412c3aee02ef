import Sandbox

/// `security.repeated_timeout_failures`: a page on the first occurrence per project, and an
/// immediate escalation when `minimumProjects` (2) distinct projects had one within `windowMs`
/// (10 minutes). "First" means first since the project's last occurrence fell out of the window:
/// a project that stayed quiet for a window pages again.
public struct RepeatedTimeoutFailuresRule: AlertRule {
    public let name = "repeated_timeout_failures"
    public var eventName = EventKind.repeatedTimeoutFailures
    public var windowMs: Int64
    public var minimumProjects: Int

    /// The latest occurrence per project, pruned to the window.
    private var latest: [String: TelemetryEvent] = [:]
    private var latestAt: [String: Int64] = [:]
    private var escalated = false

    public init(windowMs: Int64 = 600_000, minimumProjects: Int = 2) {
        self.windowMs = windowMs
        self.minimumProjects = minimumProjects
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        for (project, at) in latestAt where now - at >= windowMs {
            latestAt[project] = nil
            latest[project] = nil
        }
        var firings: [AlertFiring] = []
        if latestAt[event.projectId] == nil {
            firings.append(AlertFiring(
                rule: name, severity: .page, projectId: event.projectId,
                summary: "repeated timeout failures in project \(event.projectId)",
                dedupKey: "\(name):\(event.projectId)", evidence: [Alert.Evidence(event)]))
        }
        latestAt[event.projectId] = now
        latest[event.projectId] = event
        let holds = latestAt.count >= minimumProjects
        defer { escalated = holds }
        if holds, !escalated {
            let projects = latestAt.keys.sorted()
            firings.append(AlertFiring(
                // Filed under the host scope, never under the project that tipped it: it names
                // other tenants' projects and cites their events.
                rule: name + "_across_projects", severity: .page, escalation: .immediate, projectId: Alert.hostScope,
                summary: "repeated timeout failures across \(projects.count) projects: \(projects.joined(separator: ", "))",
                dedupKey: "\(name)_across_projects",
                evidence: projects.compactMap { latest[$0] }.map(Alert.Evidence.init)))
        }
        return firings
    }

    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        let live = latestAt.filter { now - $0.value < windowMs }
        var conditions = live.keys.map { AlertCondition(rule: name, severity: .page, projectId: $0) }
        if live.count >= minimumProjects {
            conditions.append(AlertCondition(
                rule: name + "_across_projects", severity: .page, escalation: .immediate, projectId: Alert.hostScope))
        }
        return conditions
    }

    public mutating func forget(project: String) {
        latestAt[project] = nil
        latest[project] = nil
    }
}
