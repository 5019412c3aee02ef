#if canImport(Glibc)
import Glibc
#endif

/// Checks made before binding. Two threats: Hummingbird removes an existing socket file when it
/// binds, which would silently steal the address of a daemon still running there; and a socket
/// directory someone else controls (created first in `/tmp`, or swapped through a symlink) lets
/// them replace the socket and sit between `jcs` and the daemon.
enum SocketPreflight {
    /// Creates the socket's directory (0700) when missing, refuses one the daemon does not fully
    /// control (`SocketDirectoryRule`), and refuses a path a live daemon answers on.
    static func check(_ path: String) throws(DaemonError) {
        guard path.utf8.count < 108 else { throw .socketPathTooLong(path: path) }
        guard let slash = path.lastIndex(of: "/") else { throw .unsafeSocketDirectory(path: path, rule: .notAbsolute) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        try makeDirectories(directory)
        try checkDirectory(directory, owner: geteuid())
        if isAnswering(path) { throw .socketInUse(path: path) }
    }

    /// `mkdir -p` with mode 0700 for what it creates.
    static func makeDirectories(_ path: String) throws(DaemonError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .cannotCreateDirectory(path: prefix, errno: errno)
            }
        }
    }

    /// The socket's directory must be a real directory (no symlink at its last component), owned
    /// by `owner`, with no group or other access; every directory above it must be owned by root
    /// or `owner` and, when others may write it, sticky (as `/tmp` is), so nobody else can rename
    /// or replace a component; a symlink above it must be owned by root or `owner`.
    static func checkDirectory(_ directory: String, owner: uid_t) throws(DaemonError) {
        guard directory.hasPrefix("/") else { throw .unsafeSocketDirectory(path: directory, rule: .notAbsolute) }
        var prefix = ""
        let components = directory.split(separator: "/")
        for (index, component) in components.enumerated() {
            prefix += "/" + component
            let isLast = index == components.count - 1
            var info = stat()
            guard lstat(prefix, &info) == 0 else { throw .cannotCreateDirectory(path: prefix, errno: errno) }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFLNK {
                if isLast { throw .unsafeSocketDirectory(path: prefix, rule: .symlink) }
                guard info.st_uid == 0 || info.st_uid == owner else {
                    throw .unsafeSocketDirectory(path: prefix, rule: .ancestorNotTrusted(uid: info.st_uid))
                }
                // Where it leads is checked as a directory like any other component.
                guard stat(prefix, &info) == 0 else { throw .cannotCreateDirectory(path: prefix, errno: errno) }
            }
            guard info.st_mode & S_IFMT == S_IFDIR else { throw .unsafeSocketDirectory(path: prefix, rule: .notADirectory) }
            if isLast {
                guard info.st_uid == owner else {
                    throw .unsafeSocketDirectory(path: prefix, rule: .notOwned(uid: info.st_uid, expected: owner))
                }
                guard info.st_mode & 0o077 == 0 else {
                    throw .unsafeSocketDirectory(path: prefix, rule: .groupOrOtherAccess(mode: info.st_mode & 0o7777))
                }
            } else {
                guard info.st_uid == 0 || info.st_uid == owner else {
                    throw .unsafeSocketDirectory(path: prefix, rule: .ancestorNotTrusted(uid: info.st_uid))
                }
                if info.st_mode & 0o022 != 0 && info.st_mode & S_ISVTX == 0 {
                    throw .unsafeSocketDirectory(path: prefix, rule: .ancestorWritableByOthers(mode: info.st_mode & 0o7777))
                }
            }
        }
    }

    private static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

/// Which rule a socket directory broke (`DaemonError.unsafeSocketDirectory`).
public enum SocketDirectoryRule: Sendable, Equatable, CustomStringConvertible {
    case notAbsolute
    case notADirectory
    /// The directory itself is a symlink: whoever can repoint it chooses where the socket lives.
    case symlink
    case notOwned(uid: uid_t, expected: uid_t)
    case groupOrOtherAccess(mode: mode_t)
    /// A directory or symlink above it belongs to another user, who could swap it.
    case ancestorNotTrusted(uid: uid_t)
    /// A directory above it others may write without the sticky bit: they could rename ours away.
    case ancestorWritableByOthers(mode: mode_t)

    public var description: String {
        switch self {
        case .notAbsolute: "the socket path must be absolute"
        case .notADirectory: "it is not a directory"
        case .symlink: "it is a symlink; the socket's directory must be a real directory"
        case .notOwned(let uid, let expected):
            "it is owned by uid \(uid), not by the daemon's uid \(expected); someone else may have created it first: remove it, or choose another --socket"
        case .groupOrOtherAccess(let mode):
            "its mode is \(String(mode, radix: 8)); the socket's directory must give no access to group or others (chmod 700 it)"
        case .ancestorNotTrusted(let uid): "it is owned by uid \(uid), neither root nor the daemon's user, who could replace it"
        case .ancestorWritableByOthers(let mode):
            "its mode is \(String(mode, radix: 8)): others may write it and it is not sticky, so they could rename the socket's directory"
        }
    }
}
