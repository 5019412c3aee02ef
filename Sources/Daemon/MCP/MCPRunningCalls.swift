import CodeServer
import Synchronization

/// The `tools/call`s running now, by session and request id, so `notifications/cancelled` kills
/// the sandbox of exactly the call it names. Only calls made inside a session are kept: without
/// one, two clients may use the same request id, and a cancel must never reach someone else's
/// call. Entries live only while their call runs, so the table is bounded by the calls in flight.
final class MCPRunningCalls: Sendable {
    struct Key: Hashable, Sendable {
        var session: String
        var request: JSONRPCID
    }

    private let handles = Mutex<[Key: CallHandle]>([:])

    func register(_ key: Key, _ handle: CallHandle) {
        handles.withLock { $0[key] = handle }
    }

    func finish(_ key: Key) {
        handles.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// Cancels the call if it is still running; a cancel for a finished or unknown call is
    /// ignored, as the specification asks (the two may cross on the wire).
    func cancel(_ key: Key) {
        handles.withLock { $0[key] }?.cancel()
    }
}
