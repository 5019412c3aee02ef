/// `tool.failed` over 5 % of tool outcomes in 5 minutes, per project (runbook: "sustained failure
/// ratio"). Outcomes are `tool.completed`, `tool.failed` and `tool.timeout`.
///
/// `minimumOutcomes` (default 20) keeps one failure out of three calls from paging: below it the
/// ratio says nothing about a trend. Severity page.
public struct ToolFailureRatioRule: AlertRule {
    public let name = "tool_failure_ratio"
    public var windowMs: Int64
    /// Fires when failures / outcomes is strictly greater than this.
    public var maximumRatio: Double
    public var minimumOutcomes: Int
    public var outcomeNames: Set<EventKind> = [.toolCompleted, .toolFailed, .toolTimeout]
    public var failureName = EventKind.toolFailed

    private struct ProjectState: Sendable {
        var outcomes: SlidingCounter
        var failures: SlidingCounter
        var trail = EvidenceTrail()
        var firing = false
    }

    private var projects: [String: ProjectState] = [:]

    public init(windowMs: Int64 = 300_000, maximumRatio: Double = 0.05, minimumOutcomes: Int = 20) {
        self.windowMs = windowMs
        self.maximumRatio = maximumRatio
        self.minimumOutcomes = minimumOutcomes
    }

    public mutating func observe(_ event: TelemetryEvent, now: Int64, context: AlertContext) -> [AlertFiring] {
        guard outcomeNames.contains(event.name) else { return [] }
        var state = projects[event.projectId]
            ?? ProjectState(outcomes: SlidingCounter(windowMs: windowMs), failures: SlidingCounter(windowMs: windowMs))
        defer { projects[event.projectId] = state }
        state.outcomes.record(at: now)
        if event.name == failureName {
            state.failures.record(at: now)
            state.trail.add(event)
        }
        let outcomes = state.outcomes.count(at: now)
        let failures = state.failures.count(at: now)
        let holds = outcomes >= minimumOutcomes && Double(failures) > maximumRatio * Double(outcomes)
        defer { state.firing = holds }
        guard holds, !state.firing else { return [] }
        let percent = Int((Double(failures) * 100 / Double(outcomes)).rounded())
        return [AlertFiring(
            rule: name, severity: .page, projectId: event.projectId,
            summary: "\(failures) of \(outcomes) tool calls failed (\(percent) %) in \(windowMs / 1000) s",
            dedupKey: "\(name):\(event.projectId)", evidence: state.trail.evidence)]
    }
}
