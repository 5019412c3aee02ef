import Sandbox

/// `project.assets_reloaded` with a non-zero `error_count` on `successiveReloads` (3) reloads in a
/// row: a ticket with same-day escalation ("repeated loader parse failures"). A clean reload ends
/// the streak; a streak fires once, when it reaches the count. No time window: the runbook counts
/// reloads, and reloads may be hours apart.
public struct AssetReloadErrorsRule: AlertRule {
    public let name = "asset_reload_errors"
    public var eventName = EventKind.projectAssetsReloaded
    public var successiveReloads: Int

    private var streaks: [String: (length: Int, evidence: [Alert.Evidence])] = [:]

    public init(successiveReloads: Int = 3) {
        self.successiveReloads = successiveReloads
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        guard case .projectAssetsReloaded(let reloaded) = event.payload, reloaded.errorCount > 0 else {
            streaks[event.projectId] = nil
            return []
        }
        var streak = streaks[event.projectId] ?? (0, [])
        streak.length += 1
        streak.evidence = Array((streak.evidence + [Alert.Evidence(event)]).suffix(successiveReloads))
        streaks[event.projectId] = streak
        guard streak.length == successiveReloads else { return [] }
        return [AlertFiring(
            rule: name, severity: .ticket, escalation: .sameDay, projectId: event.projectId,
            summary: "\(successiveReloads) successive asset reloads with errors in project \(event.projectId)",
            dedupKey: "\(name):\(event.projectId)", evidence: streak.evidence)]
    }

    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        streaks.compactMap { project, streak in
            streak.length >= successiveReloads
                ? AlertCondition(rule: name, severity: .ticket, escalation: .sameDay, projectId: project) : nil
        }
    }

    public mutating func forget(project: String) { streaks[project] = nil }
}
