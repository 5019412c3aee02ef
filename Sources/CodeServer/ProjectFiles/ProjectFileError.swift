#if canImport(Glibc)
import Glibc
#endif

/// Why a file or directory of a project could not be reached from its root's handle. Each case
/// names the path (relative to the root) so an asset error or a start failure says where.
public enum ProjectFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A component is a symbolic link (`ELOOP` from `RESOLVE_NO_SYMLINKS`): never followed.
    case symlink(path: String)
    /// The walk would leave the root (`..`, an absolute path): `EXDEV` from `RESOLVE_BENEATH`.
    case escapes(path: String)
    case missing(path: String)
    /// Not a regular file (a FIFO, a device, a socket, a directory where a file was expected).
    case notRegularFile(path: String)
    case notDirectory(path: String)
    /// Larger than the bytes the caller would read.
    case tooLarge(path: String, size: Int, limit: Int)
    case system(call: String, path: String, errno: Int32)

    public var path: String {
        switch self {
        case .symlink(let path), .escapes(let path), .missing(let path), .notRegularFile(let path),
            .notDirectory(let path), .tooLarge(let path, _, _), .system(_, let path, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .symlink(let path): "'\(path)': a component is a symbolic link, which is never followed"
        case .escapes(let path): "'\(path)': leaves the project root"
        case .missing(let path): "'\(path)': does not exist"
        case .notRegularFile(let path): "'\(path)': not a regular file"
        case .notDirectory(let path): "'\(path)': not a directory"
        case .tooLarge(let path, let size, let limit): "'\(path)': \(size) bytes, larger than \(limit)"
        case .system(let call, let path, let code):
            "'\(path)': \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    /// The error an `openat2` beneath the root answered with.
    static func opening(_ path: String, errno code: Int32) -> ProjectFileError {
        switch code {
        case ELOOP: .symlink(path: path)
        case EXDEV: .escapes(path: path)
        case ENOENT: .missing(path: path)
        case ENOTDIR: .notDirectory(path: path)
        default: .system(call: "openat2", path: path, errno: code)
        }
    }
}
