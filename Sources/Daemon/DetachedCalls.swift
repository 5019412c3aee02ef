import CodeServer
import Sandbox

/// Async tool calls made outside a conversation (`POST …/tools/{tool}/run` with `async` and no
/// `conversation`): each runs on after its request answered 202, and its result is kept until
/// someone reads it or it is pushed out. A conversation holds its own async calls in its journal;
/// these have no journal of their own beyond the call's events, so they live here, bounded.
///
/// Invariants: at most `capacity` calls are held; when full, the oldest finished call is
/// forgotten first, and a new call is refused (`resource_exhausted`) only when every held call is
/// still running. A call is always reachable by the project it was started in, never another.
actor DetachedCalls {
    static let capacity = 1024

    private struct Entry {
        var projectId: String
        var handle: CallHandle
        var task: Task<ToolResult, Never>
        var finished: Bool
        var order: Int
    }

    private var entries: [String: Entry] = [:]
    private var nextOrder = 0

    /// Starts `call` in `project` and returns at once.
    func start(_ call: ToolCall, in project: Project) throws(APIError) {
        if entries.count >= Self.capacity {
            guard let oldest = entries.filter({ $0.value.finished }).min(by: { $0.value.order < $1.value.order }) else {
                throw APIError(
                    .engine("resource_exhausted"), status: .serviceUnavailable,
                    "resource_exhausted: \(Self.capacity) async calls are running; wait for one or cancel one")
            }
            entries[oldest.key] = nil
        }
        let handle = CallHandle()
        let task = Task {
            let result = await project.execute(call, handle: handle)
            self.markFinished(call.id)
            return result
        }
        entries[call.id] = Entry(projectId: project.id, handle: handle, task: task, finished: false, order: nextOrder)
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
        let doomed = entries.filter { !$0.value.finished && (projectId == nil || $0.value.projectId == projectId) }
        for entry in doomed.values { entry.handle.cancel() }
        for entry in doomed.values { _ = await entry.task.value }
    }

    private func markFinished(_ callId: String) {
        entries[callId]?.finished = true
    }

    private func entry(_ callId: String, _ projectId: String) throws(APIError) -> Entry {
        guard let entry = entries[callId], entry.projectId == projectId else {
            throw APIError(
                .engine("unknown_call"), status: .notFound, field: "call",
                "unknown_call: no async call '\(callId)' in project '\(projectId)' (results are kept for the last \(Self.capacity) calls)")
        }
        return entry
    }
}
