/// Why a request never got an answer from the daemon. Every case means "unreachable" to the
/// user (exit status 3); the case says which step failed.
enum DaemonClientError: Error, CustomStringConvertible {
    case socketPathTooLong(path: String)
    case connect(path: String, errno: Int32)
    case io(step: String, errno: Int32)
    /// The process answering on the socket runs as another user (not ours, not root): nothing was
    /// sent to it, since it could read our requests and forge the answers.
    case untrustedServer(path: String, serverUid: UInt32, serverPid: Int32, ownUid: UInt32)
    /// The daemon closed the connection or sent something that is not HTTP/1.1.
    case malformedResponse(String)

    var description: String {
        switch self {
        case .socketPathTooLong(let path): "socket path '\(path)' is too long for a Unix socket"
        case .connect(let path, let errno): "cannot connect to '\(path)': \(ErrnoText.describe(errno))"
        case .io(let step, let errno): "\(step) failed: \(ErrnoText.describe(errno))"
        case .malformedResponse(let what): "malformed response from the daemon: \(what)"
        case .untrustedServer(let path, let serverUid, let serverPid, let ownUid):
            "refusing to talk to '\(path)': the process listening there (pid \(serverPid)) runs as uid \(serverUid), "
                + "not as you (uid \(ownUid)) or root; nothing was sent. Another user may have created the socket's "
                + "directory first: remove it and restart your daemon, or pass --socket a path in a directory only you can write"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// strerror(3) text with the errno number, for messages.
enum ErrnoText {
    static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
