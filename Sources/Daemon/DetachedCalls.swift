import CodeServer
import Sandbox

/// Async tool calls made outside a conversation (`POST …/tools/{tool}/run` with `async` and no
/// `conversation`): each runs on after its request answered 202, and its result is kept until
/// someone reads it or it is pushed out. A conversation holds its own async calls in its journal;
/// these have no journal of their own beyond the call's events, so they live here, bounded.
///
/// Budgets (`DaemonLimits`): at most `maxDetachedCalls` held in total and
/// `maxDetachedCallsPerProject` per project, and `maxKeptResultBytes` of finished results in
/// total. When a count is full the oldest finished call of the same project (for the project's
/// budget) or of any project (for the total) is forgotten first; a new call is refused
/// (`resource_exhausted`, naming the budget) only when every call that could go is still running.
/// Past the byte budget the oldest finished results are forgotten. A call is always reachable by
/// the project it was started in, never another.
actor DetachedCalls {
    private struct Entry {
        var projectId: String
        var handle: CallHandle
        var task: Task<ToolResult, Never>
        /// The size of the finished result as JSON; nil while it runs.
        var keptBytes: Int?
        var order: Int
    }

    let limits: DaemonLimits
    private var entries: [String: Entry] = [:]
    private var perProject: [String: Int] = [:]
    private var keptBytes = 0
    private var nextOrder = 0

    init(limits: DaemonLimits = DaemonLimits()) {
        self.limits = limits
    }

    /// Starts `call` in `project` and returns at once; `observer` hears its output and
    /// violations while it runs (a streamed run, `ToolRoutes`).
    func start(
        _ call: ToolCall, in project: Project, observer: (@Sendable (CallProgress) -> Void)? = nil
    ) throws(APIError) {
        if perProject[project.id, default: 0] >= limits.maxDetachedCallsPerProject {
            guard forgetOldestFinished(of: project.id) else {
                throw .exhausted(
                    .detachedCallsPerProject,
                    "project '\(project.id)' has \(limits.maxDetachedCallsPerProject) async calls running; wait for one or cancel one")
            }
        }
        if entries.count >= limits.maxDetachedCalls {
            guard forgetOldestFinished(of: nil) else {
                throw .exhausted(
                    .detachedCalls, "\(limits.maxDetachedCalls) async calls are running; wait for one or cancel one")
            }
        }
        let handle = CallHandle(observer: observer)
        let task = Task {
            let result = await project.execute(call, handle: handle)
            self.markFinished(call.id, size: JSONWriter.bytes(result.json).count)
            return result
        }
        entries[call.id] = Entry(projectId: project.id, handle: handle, task: task, keptBytes: nil, order: nextOrder)
        perProject[project.id, default: 0] += 1
        nextOrder += 1
    }

    /// The call's result, waiting while it runs.
    func result(of callId: String, project projectId: String) async throws(APIError) -> ToolResult {
        let entry = try entry(callId, projectId)
        return await entry.task.value
    }

    /// Kills the call's sandbox and returns its result once it has ended (status cancelled,
    /// unless it finished first).
    func cancel(_ callId: String, project projectId: String) async throws(APIError) -> ToolResult {
        let entry = try entry(callId, projectId)
        entry.handle.cancel()
        return await entry.task.value
    }

    /// Cancels every running call of the project (it is stopping), or of every project.
    func cancelAll(project projectId: String? = nil) async {
        let doomed = entries.filter { $0.value.keptBytes == nil && (projectId == nil || $0.value.projectId == projectId) }
        for entry in doomed.values { entry.handle.cancel() }
        for entry in doomed.values { _ = await entry.task.value }
    }

    /// Held calls and bytes of kept results, for diagnostics and tests.
    var usage: (calls: Int, keptBytes: Int) { (entries.count, keptBytes) }

    private func markFinished(_ callId: String, size: Int) {
        guard entries[callId] != nil else { return }
        entries[callId]?.keptBytes = size
        keptBytes += size
        // Over the byte budget: the oldest finished results go, this one last.
        while keptBytes > limits.maxKeptResultBytes, forgetOldestFinished(of: nil, sparing: callId) {}
        if keptBytes > limits.maxKeptResultBytes { forget(callId) }
    }

    private func forgetOldestFinished(of projectId: String?, sparing spared: String? = nil) -> Bool {
        let oldest = entries
            .filter { $0.value.keptBytes != nil && $0.key != spared && (projectId == nil || $0.value.projectId == projectId) }
            .min { $0.value.order < $1.value.order }
        guard let oldest else { return false }
        forget(oldest.key)
        return true
    }

    private func forget(_ callId: String) {
        guard let entry = entries.removeValue(forKey: callId) else { return }
        keptBytes -= entry.keptBytes ?? 0
        let left = perProject[entry.projectId, default: 1] - 1
        perProject[entry.projectId] = left > 0 ? left : nil
    }

    private func entry(_ callId: String, _ projectId: String) throws(APIError) -> Entry {
        guard let entry = entries[callId], entry.projectId == projectId else {
            throw APIError(
                .engine("unknown_call"), status: .notFound, field: "call",
                "unknown_call: no async call '\(callId)' in project '\(projectId)' (results are kept within limits.max_detached_calls_per_project and limits.max_kept_result_bytes)")
        }
        return entry
    }
}
