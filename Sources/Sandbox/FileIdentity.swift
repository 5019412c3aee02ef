#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// What a directory *is*, as opposed to where it is: its device and inode. A project's root is
/// recorded by identity when the project starts, and every sandbox checks it before mounting the
/// root, so a path swapped for a symlink or another directory is refused instead of mounted.
public struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    init(_ st: stat) {
        self.init(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    public var description: String { "dev=\(device) ino=\(inode)" }

    /// The identity of the directory at `path` (resolved with `realpath` first, then opened with
    /// no symlink followed), or the reason it has none.
    public static func ofDirectory(_ path: String) throws(SandboxError) -> FileIdentity {
        try RootHandle.open(path).identity
    }

    /// The protocol's form: `{"device": D, "inode": I}`.
    public var json: JSONValue { ["device": .int(Int64(bitPattern: device)), "inode": .int(Int64(bitPattern: inode))] }

    public init(json: JSONValue) throws(SandboxError) {
        guard let device = json["device"]?.intValue, let inode = json["inode"]?.intValue, device >= 0, inode >= 0 else {
            throw .protocolViolation(reason: "root_identity needs non-negative integers 'device' and 'inode'")
        }
        self.init(device: UInt64(device), inode: UInt64(inode))
    }
}

/// A project root opened as a handle: `O_PATH|O_DIRECTORY` through `openat2` with
/// `RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS` on the `realpath` of the given path, so a symlink
/// planted in any component after that resolution is refused, never followed.
struct RootHandle {
    /// The resolved path (no symlinks), as the child finds it under the host's root.
    let path: String
    let fd: OwnedFD
    let stat: stat

    var identity: FileIdentity { FileIdentity(stat) }

    static func open(_ root: String) throws(SandboxError) -> RootHandle {
        guard let resolved = POSIX.realpath(root) else {
            throw .invalidRoot(path: root, reason: String(cString: strerror(errno)))
        }
        let fd = OwnedFD(csb_open_root_nofollow(resolved))
        guard fd.isOpen else {
            let err = errno
            throw .invalidRoot(
                path: root,
                reason: err == ELOOP ? "a component of '\(resolved)' became a symbolic link" : SandboxError.errnoText(err))
        }
        var st = Glibc.stat()
        guard fstat(fd.raw, &st) == 0 else { throw .lastError("fstat(\(resolved))") }
        return RootHandle(path: resolved, fd: fd, stat: st)
    }

    /// This handle, checked against the identity the coordinator recorded: the path now names
    /// another directory (or a symlink) when they differ.
    static func open(_ root: String, expecting expected: FileIdentity?) throws(SandboxError) -> RootHandle {
        let handle: RootHandle
        do {
            handle = try open(root)
        } catch {
            // With an identity on record, a root that vanished or became a link was swapped.
            if let expected, case .invalidRoot(_, let reason) = error {
                throw .rootChanged(path: root, expected: expected, found: reason)
            }
            throw error
        }
        if let expected, handle.identity != expected {
            throw .rootChanged(path: root, expected: expected, found: handle.identity.description)
        }
        return handle
    }
}
