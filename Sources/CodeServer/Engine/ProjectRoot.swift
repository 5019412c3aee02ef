#if canImport(Glibc)
import Glibc
#endif

/// Resolves a project root once, at start: it must exist and be a directory, and it is kept as
/// its real path, so no symlink hides in it for the policy's walk or the worker's mount.
enum ProjectRoot {
    static func resolve(_ path: String) throws(ProjectError) -> String {
        guard !path.isEmpty else { throw .invalidRoot(path: path, reason: "the path is empty") }
        guard let resolved = realpath(path, nil) else {
            throw .invalidRoot(path: path, reason: String(cString: strerror(errno)))
        }
        defer { free(resolved) }
        let real = String(cString: resolved)
        var info = stat()
        guard stat(real, &info) == 0 else { throw .invalidRoot(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .invalidRoot(path: path, reason: "not a directory") }
        guard real != "/" else { throw .invalidRoot(path: path, reason: "the host's root cannot be a project") }
        return real
    }
}
