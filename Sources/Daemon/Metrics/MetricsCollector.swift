import CodeServer
import Sandbox
import Synchronization

/// What `/metrics` needs that the hub does not keep: tool-call latencies, which limits fired,
/// which alert rule raised what, and the asset-reload error streak. Fed every event the hub
/// emits (see `MetricsFeed`); read at scrape time.
///
/// Memory is bounded by projects × (tools ≤ `maximumToolsPerProject`) × statuses, plus the
/// start times of calls still running (≤ `maximumPendingCalls`).
final class MetricsCollector: Sendable {
    /// Tool names are open-ended (a project's own `command.run.*`), so past this many per project
    /// further names share the label `other` instead of growing the scrape without bound.
    static let maximumToolsPerProject = 64
    static let overflowTool = "other"
    /// Start times kept for calls whose end has not been seen; the oldest go first, only ever when
    /// ends were lost (a call's end always follows its start on the hub).
    static let maximumPendingCalls = 4096
    /// The limits a sandbox reports (`SandboxResult.Limit`), exposed at zero before they fire so
    /// `increase()` sees the first one.
    static let knownLimits = SandboxResult.Limit.allCases.map(\.rawValue)
    static let overflowLimit = "other"

    struct ToolSeries: Hashable, Comparable {
        var project: String
        var tool: String
        var status: String

        static func < (a: Self, b: Self) -> Bool {
            (a.project, a.tool, a.status) < (b.project, b.tool, b.status)
        }
    }

    struct AlertSeries: Hashable, Comparable {
        var project: String
        var rule: String
        var severity: String

        static func < (a: Self, b: Self) -> Bool {
            (a.project, a.rule, a.severity) < (b.project, b.rule, b.severity)
        }
    }

    struct AlertCount: Sendable {
        var total: UInt64 = 0
        var lastRaisedAtMs: Int64 = 0
    }

    /// A consistent copy for one scrape.
    struct Snapshot: Sendable {
        var durations: [ToolSeries: Histogram]
        var limits: [String: [String: UInt64]]
        var alerts: [AlertSeries: AlertCount]
        var assetErrorStreaks: [String: Int]
        var collapsedToolCalls: UInt64
    }

    /// A call between its `tool.started` and its end.
    private struct PendingCall: Sendable {
        var startedAt: Int64
    }

    private struct State: Sendable {
        var durations: [ToolSeries: Histogram] = [:]
        var toolNames: [String: Set<String>] = [:]
        var collapsedToolCalls: UInt64 = 0
        var limits: [String: [String: UInt64]] = [:]
        var alerts: [AlertSeries: AlertCount] = [:]
        var assetErrorStreaks: [String: Int] = [:]
        var pending: [String: PendingCall] = [:]
        var startOrder: [String] = []
        var startOrderHead = 0
    }

    private let state = Mutex(State())
    /// The agent loop's model requests (`LLMMetrics`).
    let llm = LLMMetrics()

    func observe(_ event: TelemetryEvent) {
        llm.observe(event)
        state.withLock { state in
            switch event.payload {
            case .toolStarted(let started):
                Self.recordStart(callId: started.callId, at: event.atMs, in: &state)
            case .toolCompleted(let completed):
                Self.recordEnd(event, completed.callId, completed.tool, status: "completed", durationMs: completed.durationMs, in: &state)
            case .toolFailed(let failed):
                Self.recordEnd(event, failed.callId, failed.tool, status: "failed", reason: failed.reason, in: &state)
            case .toolTimeout(let timeout):
                Self.recordEnd(event, timeout.callId, timeout.tool, status: "timeout", durationMs: timeout.durationMs, in: &state)
            case .toolCancelled(let cancelled):
                Self.recordEnd(event, cancelled.callId, cancelled.tool, status: "cancelled", in: &state)
            case .projectStopped:
                Self.forget(project: event.projectId, in: &state)
            case .projectAssetsReloaded(let reloaded):
                state.assetErrorStreaks[event.projectId] =
                    reloaded.errorCount > 0 ? (state.assetErrorStreaks[event.projectId] ?? 0) + 1 : 0
            case .alertRaised(let alert):
                let series = AlertSeries(project: event.projectId, rule: alert.rule, severity: alert.severity.rawValue)
                state.alerts[series, default: AlertCount()].total += 1
                state.alerts[series]?.lastRaisedAtMs = alert.atMs
            default:
                break
            }
        }
    }

    /// A stopped project's series go with it: a scrape shows running projects only, so stopped
    /// ones neither stay forever nor keep alerting on stale numbers. Started again, it begins at
    /// zero, which Prometheus' `rate` and `increase` read as a counter reset.
    private static func forget(project: String, in state: inout State) {
        state.durations = state.durations.filter { $0.key.project != project }
        state.toolNames[project] = nil
        state.limits[project] = nil
        state.assetErrorStreaks[project] = nil
        state.alerts = state.alerts.filter { $0.key.project != project }
    }

    /// Makes the project's zero-valued series exist (limits, the reload streak) before anything
    /// happens in it.
    func register(project: String) {
        state.withLock { state in
            if state.limits[project] == nil { state.limits[project] = [:] }
            if state.assetErrorStreaks[project] == nil { state.assetErrorStreaks[project] = 0 }
        }
    }

    var snapshot: Snapshot {
        state.withLock { state in
            Snapshot(
                durations: state.durations, limits: state.limits, alerts: state.alerts,
                assetErrorStreaks: state.assetErrorStreaks, collapsedToolCalls: state.collapsedToolCalls)
        }
    }

    private static func recordStart(callId: String, at atMs: Int64, in state: inout State) {
        if state.pending.updateValue(PendingCall(startedAt: atMs), forKey: callId) == nil {
            state.startOrder.append(callId)
        }
        while state.pending.count > maximumPendingCalls, state.startOrderHead < state.startOrder.count {
            state.pending[state.startOrder[state.startOrderHead]] = nil
            state.startOrderHead += 1
        }
        compactStartOrder(&state)
    }

    /// The duration is the event's own `duration_ms` when it has one (completed, timeout), else
    /// the time since the call's `tool.started`; a call refused before it started took none.
    private static func recordEnd(
        _ event: TelemetryEvent, _ callId: String, _ given: String, status: String, durationMs: Int64? = nil,
        reason: FailureReason? = nil, in state: inout State
    ) {
        let pending = state.pending.removeValue(forKey: callId)
        compactStartOrder(&state)
        for limit in firedLimits(event.payload.firedLimits) {
            state.limits[event.projectId, default: [:]][limit, default: 0] += 1
        }
        let milliseconds = durationMs.map(Double.init) ?? pending.map { Double(event.atMs - $0.startedAt) } ?? 0
        // A name the caller made up is no label: a call refused before the catalog named its tool
        // (unknown, or its project stopped) is counted under `other`, as is a name that could
        // not be a catalog's (tool names are short printable ASCII).
        let invented = reason == .unknownTool || reason == .projectStopped || !isPlausibleToolName(given)
        let tool = invented ? overflowTool : toolLabel(given, project: event.projectId, in: &state)
        let series = ToolSeries(project: event.projectId, tool: tool, status: status)
        state.durations[series, default: Histogram()].observe(max(0, milliseconds) / 1000)
    }

    /// Catalog tool names are like `shell.run`, `command.run.lint`: printable ASCII, no quotes,
    /// no backslash, at most 128 bytes.
    static func isPlausibleToolName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128
            && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    private static func toolLabel(_ tool: String, project: String, in state: inout State) -> String {
        var names = state.toolNames[project, default: []]
        defer { state.toolNames[project] = names }
        if names.contains(tool) { return tool }
        guard names.count < maximumToolsPerProject else {
            state.collapsedToolCalls += 1
            return overflowTool
        }
        names.insert(tool)
        return tool
    }

    private static func limitLabel(_ limit: String?) -> String {
        guard let limit, knownLimits.contains(limit) else { return overflowLimit }
        return limit
    }

    /// Every limit that fired during a call, once each, from its ending event's `limits_fired`
    /// and `limit_fired`. Counted here rather than from
    /// `security.limit_exceeded` events: the worker finds some limits (memory, cpu, file size,
    /// pids) only once the tool ended and sends no event for them, while the ending payload
    /// carries them all, so counting both would count the streamed ones twice.
    private static func firedLimits(_ limits: FiredLimits?) -> Set<String> {
        Set((limits?.all ?? []).map { limitLabel($0.rawValue) })
    }

    /// Drops the order entries of calls that already ended, once they are most of the array.
    private static func compactStartOrder(_ state: inout State) {
        guard state.startOrder.count > 2 * maximumPendingCalls || state.startOrder.count > 64 && state.pending.isEmpty
        else { return }
        state.startOrder = state.startOrder[state.startOrderHead...].filter { state.pending[$0] != nil }
        state.startOrderHead = 0
    }
}
