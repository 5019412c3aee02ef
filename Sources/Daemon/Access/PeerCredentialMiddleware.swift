import Hummingbird
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Admits a connection only when SO_PEERCRED names the daemon's own uid or root. The socket's
/// 0600 mode already keeps others out; this is the second check, and the one that still holds if
/// the socket's mode or directory is ever loosened. A refusal is logged with the caller's ids.
struct PeerCredentialMiddleware: RouterMiddleware {
    typealias Context = DaemonContext

    let ownUid: uid_t

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let provider = context.channel as? any SocketOptionProvider else {
            throw APIError(.peerRefused, status: .forbidden, "the connection's credentials cannot be read")
        }
        let credentials: PeerCredentials = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        ).get()
        guard credentials.uid == ownUid || credentials.uid == 0 else {
            context.logger.warning(
                "peer refused",
                metadata: [
                    "event": "daemon.peer_refused", "peer_uid": "\(credentials.uid)", "peer_pid": "\(credentials.pid)",
                    "path": "\(request.uri.path)",
                ])
            throw APIError(
                .peerRefused, status: .forbidden, "uid \(credentials.uid) may not use this daemon (only uid \(ownUid) and root)")
        }
        return try await next(request, context)
    }
}

/// `struct ucred` of <sys/socket.h>, which Glibc's module leaves out (it needs _GNU_SOURCE):
/// the layout SO_PEERCRED fills.
struct PeerCredentials {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}
