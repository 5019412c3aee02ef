import Synchronization

/// The Streamable HTTP sessions: the id issued on `initialize`, the project it belongs to and the
/// revision negotiated. Bounded: past `capacity` the oldest session is forgotten, so clients that
/// never send DELETE cannot grow the daemon; a forgotten client gets 404 and initializes again, as
/// the specification tells it to.
final class MCPSessions: Sendable {
    struct Session: Sendable, Equatable {
        var id: String
        var projectId: String
        var protocolVersion: String
    }

    private struct State {
        var sessions: [String: Session] = [:]
        /// Creation order, oldest first, for eviction.
        var order: [String] = []
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 1024) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    func create(projectId: String, protocolVersion: String) -> Session {
        let session = Session(id: Self.newId(), projectId: projectId, protocolVersion: protocolVersion)
        state.withLock { state in
            while state.order.count >= capacity {
                state.sessions[state.order.removeFirst()] = nil
            }
            state.sessions[session.id] = session
            state.order.append(session.id)
        }
        return session
    }

    /// The session, only on the project it was issued for: an id is not a ticket to another project.
    func session(_ id: String, projectId: String) -> Session? {
        state.withLock { state in
            guard let session = state.sessions[id], session.projectId == projectId else { return nil }
            return session
        }
    }

    /// False when there was no such session on that project.
    func end(_ id: String, projectId: String) -> Bool {
        state.withLock { state in
            guard let session = state.sessions[id], session.projectId == projectId else { return false }
            state.sessions[id] = nil
            state.order.removeAll { $0 == id }
            return true
        }
    }

    var count: Int { state.withLock { $0.sessions.count } }

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
