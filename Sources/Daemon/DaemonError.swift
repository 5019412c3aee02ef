#if canImport(Glibc)
import Glibc
#endif

/// Why the daemon could not start; each case names what it was doing and the path at fault.
public enum DaemonError: Error, CustomStringConvertible {
    case cannotCreateDirectory(path: String, errno: Int32)
    case socketInUse(path: String)
    case socketPathTooLong(path: String)
    /// The socket's directory (or one above it) is not one only the daemon's user controls.
    case unsafeSocketDirectory(path: String, rule: SocketDirectoryRule)
    case journal(path: String, reason: String)
    case restore(reason: String)
    /// A file the configuration names could not be opened (`what` says which).
    case cannotOpen(path: String, what: String, errno: Int32)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let errno):
            "cannot create '\(path)': \(String(cString: strerror(errno))) (errno \(errno))"
        case .socketInUse(let path): "another daemon is listening on '\(path)'"
        case .socketPathTooLong(let path): "socket path '\(path)' is longer than a Unix socket address allows"
        case .unsafeSocketDirectory(let path, let rule): "refusing the socket directory '\(path)': \(rule)"
        case .journal(let path, let reason): "cannot open the journal in '\(path)': \(reason)"
        case .restore(let reason): "restoring projects: \(reason)"
        case .cannotOpen(let path, let what, let errno): "cannot open \(what) '\(path)': \(String(cString: strerror(errno)))"
        }
    }
}
