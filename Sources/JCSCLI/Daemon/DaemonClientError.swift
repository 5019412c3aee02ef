/// Why a request never got an answer from the daemon. Every case means "unreachable" to the
/// user (exit status 3); the case says which step failed.
enum DaemonClientError: Error, CustomStringConvertible {
    case socketPathTooLong(path: String)
    case connect(path: String, errno: Int32)
    case io(step: String, errno: Int32)
    /// The daemon closed the connection or sent something that is not HTTP/1.1.
    case malformedResponse(String)

    var description: String {
        switch self {
        case .socketPathTooLong(let path): "socket path '\(path)' is too long for a Unix socket"
        case .connect(let path, let errno): "cannot connect to '\(path)': \(ErrnoText.describe(errno))"
        case .io(let step, let errno): "\(step) failed: \(ErrnoText.describe(errno))"
        case .malformedResponse(let what): "malformed response from the daemon: \(what)"
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
