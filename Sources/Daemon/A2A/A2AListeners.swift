import NIOCore
import Synchronization

/// Where the daemon listens, for the interfaces an agent card lists: the Unix socket's path,
/// known at start, and the TCP listener's address, known once it is bound (port 0 picks one).
/// One per daemon, shared by both listeners' routers.
final class A2AListeners: Sendable {
    private let state: Mutex<(socketPath: String?, tcpBase: String?)>

    init(socketPath: String? = nil) {
        state = Mutex((socketPath: socketPath, tcpBase: nil))
    }

    var socketPath: String? { state.withLock { $0.socketPath } }
    /// `http://HOST:PORT` of the TCP listener, nil when there is none.
    var tcpBase: String? { state.withLock { $0.tcpBase } }

    func tcpBound(_ address: SocketAddress?) {
        guard let address, let ip = address.ipAddress, let port = address.port else { return }
        let host = ip.contains(":") ? "[\(ip)]" : ip
        state.withLock { $0.tcpBase = "http://\(host):\(port)" }
    }
}
