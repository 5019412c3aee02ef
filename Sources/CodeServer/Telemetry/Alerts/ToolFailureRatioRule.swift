/// `tool.failed` over 5 % of tool outcomes in 5 minutes, per project (runbook: "sustained failure
/// ratio"). Outcomes are `tool.completed`, `tool.timeout` and the `tool.failed` that are failures:
/// a policy denial ("expected for unauthorized calls") or a caller's mistake (`invalid_arguments`,
/// `unknown_tool`, a missing file) is no outcome of running a tool and counts neither way
/// (`EventClassifier.toolOutcome`).
///
/// `minimumOutcomes` (default 20) keeps one failure out of three calls from paging: below it the
/// ratio says nothing about a trend. Severity page.
public struct ToolFailureRatioRule: AlertRule {
    public let name = "tool_failure_ratio"
    public var windowMs: Int64
    /// Fires when failures / outcomes is strictly greater than this.
    public var maximumRatio: Double
    public var minimumOutcomes: Int
    public var classifier = EventClassifier()

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
        let outcome = classifier.toolOutcome(event)
        guard outcome.isOutcome else { return [] }
        var state = projects[event.projectId]
            ?? ProjectState(outcomes: SlidingCounter(windowMs: windowMs), failures: SlidingCounter(windowMs: windowMs))
        defer { projects[event.projectId] = state }
        state.outcomes.record(at: now)
        if outcome.failed {
            state.failures.record(at: now)
            state.trail.add(event)
        }
        let (outcomes, failures) = (state.outcomes.count(at: now), state.failures.count(at: now))
        let holds = self.holds(outcomes: outcomes, failures: failures)
        defer { state.firing = holds }
        guard holds, !state.firing else { return [] }
        let percent = Int((Double(failures) * 100 / Double(outcomes)).rounded())
        return [AlertFiring(
            rule: name, severity: .page, projectId: event.projectId,
            summary: "\(failures) of \(outcomes) tool calls failed (\(percent) %) in \(windowMs / 1000) s",
            dedupKey: "\(name):\(event.projectId)", evidence: state.trail.evidence)]
    }

    private func holds(outcomes: Int, failures: Int) -> Bool {
        outcomes >= minimumOutcomes && Double(failures) > maximumRatio * Double(outcomes)
    }

    public func conditions(now: Int64, context: AlertContext) -> [AlertCondition] {
        projects.compactMap { project, state in
            holds(outcomes: state.outcomes.count(at: now), failures: state.failures.count(at: now))
                ? AlertCondition(rule: name, severity: .page, projectId: project) : nil
        }
    }

    public mutating func forget(project: String) { projects[project] = nil }
}
