import Sandbox

/// `policy.denied` volume over `multiplier` (3) times its baseline, per project; severity warning,
/// since each denial was already contained and only the spike is news.
///
/// Counts live in per-minute buckets. The current volume is the last `windowMs` (5 minutes); the
/// baseline is the mean volume per window over the `baselineWindows` (6) windows before it, i.e.
/// the 30 minutes before the current 5, with minutes that saw nothing counted as zero. The
/// baseline is floored at `minimumBaseline` (5 per window), so a project with no history does not
/// alert on its first handful of denials: from silence it takes more than 15 in 5 minutes.
public struct PolicyDeniedSpikeRule: AlertRule {
    public let name = "policy_denied_spike"
    public var eventName = EventKind.policyDenied
    public var windowMs: Int64
    public var baselineWindows: Int
    public var multiplier: Double
    public var minimumBaseline: Double
    public static let bucketMs: Int64 = 60_000

    private struct ProjectState: Sendable {
        var counts: SlidingCounter
        var trail = EvidenceTrail()
        var firing = false
    }

    private var projects: [String: ProjectState] = [:]

    /// - Precondition: `windowMs` a positive multiple of a minute.
    public init(windowMs: Int64 = 300_000, baselineWindows: Int = 6, multiplier: Double = 3, minimumBaseline: Double = 5) {
        self.windowMs = windowMs
        self.baselineWindows = baselineWindows
        self.multiplier = multiplier
        self.minimumBaseline = minimumBaseline
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard event.name == eventName else { return [] }
        let horizon = windowMs * Int64(baselineWindows + 1)
        var state = projects[event.projectId]
            ?? ProjectState(counts: SlidingCounter(windowMs: horizon, bucketMs: Self.bucketMs))
        defer { projects[event.projectId] = state }
        state.counts.record(at: now)
        state.trail.add(event)
        let (current, baseline, holds) = reading(state.counts, at: now)
        defer { state.firing = holds }
        guard holds, !state.firing else { return [] }
        return [AlertFiring(
            rule: name, severity: .warning, projectId: event.projectId,
            summary: "\(current) policy.denied in \(windowMs / 1000) s against a baseline of \(baseline) per window",
            dedupKey: "\(name):\(event.projectId)", evidence: state.trail.evidence)]
    }

    /// The current window's count, the baseline per window, and whether the spike holds.
    private func reading(_ counts: SlidingCounter, at now: Int64) -> (Int, Double, Bool) {
        let current = counts.count(at: now, withinLastMs: windowMs)
        let baseline = Double(counts.count(at: now) - current) / Double(baselineWindows)
        return (current, baseline, Double(current) > multiplier * max(baseline, minimumBaseline))
    }

    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        projects.compactMap { project, state in
            reading(state.counts, at: now).2 ? AlertCondition(rule: name, severity: .warning, projectId: project) : nil
        }
    }

    public mutating func forget(project: String) { projects[project] = nil }
}
