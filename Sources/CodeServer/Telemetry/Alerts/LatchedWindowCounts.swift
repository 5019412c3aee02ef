/// The state the count-over-a-window rules share: per project, how many of the rule's events fell
/// in the window, the evidence trail, and a latch so a condition fires once when it starts and
/// re-arms once an event finds it cleared.
struct LatchedWindowCounts: Sendable {
    /// What one recorded event found.
    struct Reading {
        let count: Int
        let evidence: [Alert.Evidence]
        /// Whether the condition holds now.
        let holds: Bool
        /// Whether it already held at the project's previous event (the rule fired then).
        let wasLatched: Bool

        /// The condition has just started: the moment to fire.
        var started: Bool { holds && !wasLatched }
    }

    private struct ProjectState: Sendable {
        var count: SlidingCounter
        var trail = EvidenceTrail()
        var latched = false
    }

    let windowMs: Int64
    private var projects: [String: ProjectState] = [:]

    init(windowMs: Int64) { self.windowMs = windowMs }

    /// Records `event` at `now`, evaluates `condition` on the count in the window, and latches
    /// the answer for the project's next event.
    mutating func record(_ event: TelemetryEvent, now: Int64, condition: (Int) -> Bool) -> Reading {
        var state = projects[event.projectId] ?? ProjectState(count: SlidingCounter(windowMs: windowMs))
        state.count.record(at: now)
        state.trail.add(event)
        let count = state.count.count(at: now)
        let holds = condition(count)
        let reading = Reading(count: count, evidence: state.trail.evidence, holds: holds, wasLatched: state.latched)
        state.latched = holds
        projects[event.projectId] = state
        return reading
    }

    /// Each project's count in the window ending at `now`, for the rules' `conditions`.
    func counts(at now: Int64) -> [(project: String, count: Int)] {
        projects.map { ($0.key, $0.value.count.count(at: now)) }
    }

    mutating func forget(project: String) { projects[project] = nil }
}
