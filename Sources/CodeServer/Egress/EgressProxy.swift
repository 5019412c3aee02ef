#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import Synchronization

/// A project's egress proxy: an HTTP forward proxy (`GET http://…`, `CONNECT host:port`) on host
/// loopback that every connection of the project's sandboxes goes through, and the one place that
/// applies `EgressPolicy`, dials, splices, counts bytes and records each decision with the call's
/// ids.
///
/// Only the monitors of the project's sandboxes can use it: every connection must start with the
/// running call's token (`EgressWire`), which only the coordinator and that call's monitor know.
/// A connection without a live token is closed unanswered.
public final class EgressProxy: Sendable {
    public let projectId: String
    /// On `127.0.0.1`.
    public let port: UInt16
    let policy: EgressPolicy
    let limits: EgressLimits
    let sink: any RuntimeEventSink
    private let listener: Int32
    private struct State {
        var calls: [String: EgressCallLedger] = [:]
        var open = 0
        var stopped = false
    }
    private let state = Mutex(State())

    /// How long the proxy waits for a client's preamble and request head, and for a dial.
    static let headTimeoutMs: Int32 = 30_000
    static let dialTimeoutMs: Int32 = 10_000

    /// Binds `127.0.0.1:0` and starts accepting.
    public init(projectId: String, policy: EgressPolicy, limits: EgressLimits, sink: any RuntimeEventSink) throws(SocketError) {
        self.projectId = projectId
        self.policy = policy
        self.limits = limits
        self.sink = sink
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(errno: errno) }
        var (storage, length) = EgressSocket.address("127.0.0.1", port: 0)!
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 512) == 0 else {
            let err = errno
            close(fd)
            throw SocketError(errno: err)
        }
        var local = sockaddr_in()
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
        }
        listener = fd
        port = UInt16(bigEndian: local.sin_port)
        guard DetachedThread.start({ [self] in self.acceptLoop() }) else {
            close(fd)
            throw SocketError(errno: EAGAIN)
        }
    }

    /// A route for one call: its monitor presents the token; the proxy records under its ids.
    public func register(_ call: ToolCall) -> EgressRoute {
        let token = EgressWire.newToken()
        let ledger = EgressCallLedger(call: call, projectId: projectId)
        state.withLock { $0.calls[token] = ledger }
        return EgressRoute(proxyPort: port, token: token)
    }

    /// Ends a call's route (new connections with its token are refused) and returns what it
    /// reached. The tool is gone by now; its connections close within moments, so this waits up
    /// to `graceMs` for their byte counts.
    @available(*, noasync)
    public func finish(_ route: EgressRoute, graceMs: Int = 2000) -> EgressReport {
        guard let ledger = state.withLock({ $0.calls.removeValue(forKey: route.token) }) else {
            return EgressReport(connections: [], limitFired: nil)
        }
        ledger.markFinished()
        var waited = 0
        while ledger.openConnections > 0 && waited < graceMs {
            usleep(5000)
            waited += 5
        }
        return ledger.report
    }

    /// Stops accepting. Open connections end with their tools.
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if first { shutdown(listener, Int32(SHUT_RDWR)) }
    }

    deinit {
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                    if errno == EMFILE || errno == ENFILE { usleep(10_000) }
                    continue
                }
                return  // shut down
            }
            if state.withLock({ $0.stopped }) {
                close(client)
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)  // the coordinator spawns workers; CleanSpawn closes the rest anyway
            // A tunnel answers "200" and then relays the response: with Nagle on, that second
            // write waits for the tool's delayed ACK of the first (measured: +16 ms a GET).
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let owned = client
            if !DetachedThread.start({ [self] in self.serve(OwnedFD(owned)) }) { close(client) }
        }
    }

    // MARK: - Bookkeeping used by EgressSession

    func ledger(for token: String) -> EgressCallLedger? {
        state.withLock { $0.calls[token] }
    }

    /// Takes a slot of the project's concurrent-connection budget; false when none is left.
    func takeSlot() -> Bool {
        state.withLock { state in
            guard state.open < limits.concurrentConnections else { return false }
            state.open += 1
            return true
        }
    }

    func releaseSlot() {
        state.withLock { $0.open -= 1 }
    }

    /// An event of the call the ledger is for, naming it (`call_id`, `tool`).
    func emit(_ payload: EventPayload, _ ledger: EgressCallLedger, atMs: Int64) {
        sink.emit(
            RuntimeEvent(
                projectId: projectId, conversationId: ledger.call.conversationId,
                correlationId: ledger.call.correlationId, atMs: atMs,
                payload: payload.naming(call: ledger.call.id, tool: ledger.call.tool)))
    }
}
