#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Sandbox

/// A project root, opened once at start and held: the real path (for people, events and the
/// policy's text), the handle every host-side access walks from (`files`), and the identity of
/// the directory the handle holds.
///
/// Resolved by `realpath`, then opened `O_PATH | O_DIRECTORY | O_NOFOLLOW`; from then on nothing
/// host-side resolves the root's path again.
public struct ProjectRoot: Sendable {
    public let path: String
    /// Which directory the root is, whatever its path says later: the sandbox launcher checks
    /// it at every prepare, so a root a tool replaced with a link to `/etc` is refused.
    public let identity: FileIdentity
    /// The root directory, held open (`O_PATH`): the start of every host-side walk.
    public let files: ProjectDirectory

    /// Trees no project may live in (the host's own), and directories no project may be (each
    /// holds other people's trees or the host's).
    static let systemTrees = [
        "/proc", "/sys", "/dev", "/etc", "/usr", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/run",
    ]
    static let sharedDirectories: Set<String> = [
        "/", "/home", "/root", "/tmp", "/var", "/var/tmp", "/srv", "/opt", "/mnt", "/media",
    ]

    /// Opens `path` as a project root. Refused: a path that is empty, missing or not a directory;
    /// a system directory or a shared parent of other trees (`systemTrees`, `sharedDirectories`);
    /// a root inside or containing one of `reserved` (the daemon's data directory) or of
    /// `running` (the other projects: see `overlaps`); with `mustBeRealPath`, a path that is no
    /// longer its own real path (a registered root replaced by a link).
    static func open(
        _ path: String, reserved: [String] = [], running: [(id: String, root: ProjectRoot)] = [],
        mustBeRealPath: Bool = false
    ) throws(ProjectError) -> ProjectRoot {
        guard !path.isEmpty else { throw .invalidRoot(path: path, reason: "the path is empty") }
        guard let resolved = realpath(path, nil) else {
            throw .invalidRoot(path: path, reason: String(cString: strerror(errno)))
        }
        let real = String(cString: resolved)
        free(resolved)
        if mustBeRealPath && real != path {
            throw .invalidRoot(path: path, reason: "registered as a real path, now a link to '\(real)': refused, not followed")
        }
        if sharedDirectories.contains(real) || systemTrees.contains(where: { PathText.isWithin(real, $0) }) {
            throw .invalidRoot(path: path, reason: "'\(real)' is a host directory, which cannot be a project root")
        }
        for directory in reserved {
            let reservedReal = POSIXPath.real(directory) ?? directory
            if PathText.isWithin(real, reservedReal) || PathText.isWithin(reservedReal, real) {
                throw .invalidRoot(path: path, reason: "'\(real)' overlaps the daemon's own directory '\(reservedReal)'")
            }
        }
        // Opened after the resolution without following a link: a link swapped in between the two
        // calls makes the open fail instead of opening its target.
        let fd = csb_open_root_handle(real)
        guard fd >= 0 else {
            let reason = errno == ENOTDIR ? "not a directory" : "open: \(String(cString: strerror(errno)))"
            throw .invalidRoot(path: path, reason: reason)
        }
        let files = ProjectDirectory(owning: fd, relativePath: "")
        // O_NOFOLLOW guards the last component only: a parent swapped between `realpath` and
        // `open` could hand over another directory. The kernel's name for what was opened settles it.
        guard let opened = POSIXPath.link("/proc/self/fd/\(fd)"), opened == real else {
            throw .invalidRoot(path: path, reason: "'\(real)' changed while it was being opened; try again")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .invalidRoot(path: path, reason: "fstat: \(String(cString: strerror(errno)))") }
        let root = ProjectRoot(
            path: real, identity: FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)), files: files)
        for other in running where root.overlaps(other.root) {
            throw .invalidRoot(
                path: path,
                reason: "'\(real)' overlaps the root of running project '\(other.id)' ('\(other.root.path)'); "
                    + "nested projects are refused")
        }
        return root
    }

    /// Whether one root lies inside the other. Nested projects are refused rather than made
    /// safe: the outer project's tools see the inner root's parent, so they could swap the inner
    /// root (its handle keeps the inner coordinator safe, but not the inner project's files) and
    /// read and write the inner project's catalog under the outer project's policy: a channel
    /// between tenants. Two projects on the very same directory (same identity) are allowed:
    /// they share every file by the operator's choice, and neither's tools can reach the root's
    /// parent to swap it.
    func overlaps(_ other: ProjectRoot) -> Bool {
        guard identity != other.identity else { return false }
        return PathText.isWithin(path, other.path) || PathText.isWithin(other.path, path)
    }

    /// Whether the root's path still names the directory opened at start (diagnostics: a tool
    /// of another project, or a person, moved it).
    public var pathStillNamesRoot: Bool {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return false }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) == identity
    }
}

/// `realpath(3)` and `readlink(2)` as Strings.
enum POSIXPath {
    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func real(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
