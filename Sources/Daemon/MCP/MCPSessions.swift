import Synchronization

/// The Streamable HTTP sessions: the id issued on `initialize`, the project it belongs to and the
/// revision negotiated. Budgeted per project and in total (`limits.max_mcp_sessions*`), so one
/// tenant's flood of `initialize` can only ever push out its own idle sessions:
/// - past a project's budget its oldest idle session is forgotten (clients that never send DELETE
///   cannot grow the daemon; a forgotten client gets 404 and initializes again, as the
///   specification tells it to);
/// - past the total budget the oldest idle session of the project holding the most is forgotten;
/// - a session with a message in progress (`begin` … `done`) is never forgotten, so a cancel
///   always reaches its call; when nothing can go, `initialize` is refused naming the budget.
/// A session may hold one open GET stream (`attach`) for the server's notifications; a forgotten
/// or ended session's stream is finished, so streams are bounded by sessions.
final class MCPSessions: Sendable {
    struct Session: Sendable, Equatable {
        var id: String
        var projectId: String
        var protocolVersion: String
    }

    struct Refusal: Error, Sendable, Equatable {
        var budget: Budget
        var message: String
    }

    private struct Entry {
        var session: Session
        var order: UInt64
        /// Messages of this session in progress.
        var busy = 0
        /// The open GET stream, if any.
        var stream: SSEStream?
    }

    private struct State {
        var sessions: [String: Entry] = [:]
        var perProject: [String: Int] = [:]
        var nextOrder: UInt64 = 0
    }

    let capacity: Int
    let perProject: Int
    private let state = Mutex(State())

    init(capacity: Int = 1024, perProject: Int = 64) {
        precondition(capacity > 0 && perProject > 0)
        self.capacity = capacity
        self.perProject = perProject
    }

    func create(projectId: String, protocolVersion: String) -> Result<Session, Refusal> {
        let session = Session(id: Self.newId(), projectId: projectId, protocolVersion: protocolVersion)
        var ended: [SSEStream] = []
        defer { ended.forEach { $0.finish() } }
        return state.withLock { state in
            if state.perProject[projectId, default: 0] >= perProject {
                guard Self.evictOldestIdle(of: projectId, in: &state, ended: &ended) else {
                    return .failure(Refusal(
                        budget: .mcpSessionsPerProject,
                        message: "project '\(projectId)' holds \(perProject) MCP sessions, all with a message in progress"))
                }
            }
            if state.sessions.count >= capacity {
                // The project holding the most gives one up: the flood pays, not its neighbours.
                let heaviest = state.perProject.max { $0.value < $1.value }?.key
                guard let heaviest, Self.evictOldestIdle(of: heaviest, in: &state, ended: &ended)
                        || Self.evictOldestIdle(of: nil, in: &state, ended: &ended)
                else {
                    return .failure(Refusal(
                        budget: .mcpSessions, message: "the daemon holds \(capacity) MCP sessions, all with a message in progress"))
                }
            }
            state.sessions[session.id] = Entry(session: session, order: state.nextOrder)
            state.nextOrder += 1
            state.perProject[projectId, default: 0] += 1
            return .success(session)
        }
    }

    /// Marks a message of the session in progress; false when there is no such session on that
    /// project (an id is not a ticket to another project). Pair with `done`.
    func begin(_ id: String, projectId: String) -> Bool {
        state.withLock { state in
            guard state.sessions[id]?.session.projectId == projectId else { return false }
            state.sessions[id]?.busy += 1
            return true
        }
    }

    func done(_ id: String) {
        state.withLock { state in
            if let busy = state.sessions[id]?.busy, busy > 0 { state.sessions[id]?.busy = busy - 1 }
        }
    }

    /// The session, only on the project it was issued for.
    func session(_ id: String, projectId: String) -> Session? {
        state.withLock { state in
            guard let entry = state.sessions[id], entry.session.projectId == projectId else { return nil }
            return entry.session
        }
    }

    /// False when there was no such session on that project.
    func end(_ id: String, projectId: String) -> Bool {
        var ended: [SSEStream] = []
        defer { ended.forEach { $0.finish() } }
        return state.withLock { state in
            guard let entry = state.sessions[id], entry.session.projectId == projectId else { return false }
            Self.remove(id, projectId: projectId, in: &state, ended: &ended)
            return true
        }
    }

    /// Makes `stream` the session's notification stream; one that was open before is finished
    /// (a client that reconnects replaces its stream, it does not add one). False when there is
    /// no such session on that project.
    func attach(_ stream: SSEStream, to id: String, projectId: String) -> Bool {
        var replaced: SSEStream?
        defer { replaced?.finish() }
        return state.withLock { state in
            guard state.sessions[id]?.session.projectId == projectId else { return false }
            replaced = state.sessions[id]?.stream
            state.sessions[id]?.stream = stream
            return true
        }
    }

    /// Forgets `stream` if it is still the session's (a newer one may have replaced it).
    func detach(_ stream: SSEStream, from id: String) {
        state.withLock { state in
            if let current = state.sessions[id]?.stream, current === stream { state.sessions[id]?.stream = nil }
        }
    }

    /// The open notification streams of a project's sessions.
    func streams(of projectId: String) -> [SSEStream] {
        state.withLock { state in
            state.sessions.values.compactMap { $0.session.projectId == projectId ? $0.stream : nil }
        }
    }

    var count: Int { state.withLock { $0.sessions.count } }

    /// Forgets the oldest session with nothing in progress, of `projectId` (nil: of any project).
    private static func evictOldestIdle(of projectId: String?, in state: inout State, ended: inout [SSEStream]) -> Bool {
        let oldest = state.sessions.values
            .filter { $0.busy == 0 && (projectId == nil || $0.session.projectId == projectId) }
            .min { $0.order < $1.order }
        guard let oldest else { return false }
        remove(oldest.session.id, projectId: oldest.session.projectId, in: &state, ended: &ended)
        return true
    }

    /// The session's stream goes into `ended`, finished by the caller once the lock is released.
    private static func remove(_ id: String, projectId: String, in state: inout State, ended: inout [SSEStream]) {
        if let stream = state.sessions[id]?.stream { ended.append(stream) }
        state.sessions[id] = nil
        let left = state.perProject[projectId, default: 1] - 1
        state.perProject[projectId] = left > 0 ? left : nil
    }

    /// 128 random bits in hex: visible ASCII, as the specification requires, and unguessable, so a
    /// session id cannot be used to step into someone else's session (the socket is local, but
    /// the peer check admits root too).
    private static func newId() -> String {
        var generator = SystemRandomNumberGenerator()
        return [generator.next() as UInt64, generator.next() as UInt64].map { value in
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
