#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The profile's protected paths made ready to mount: each exists (an empty placeholder is
/// created at its highest missing ancestor below a top-level entry, owned like the root) and none
/// is or runs through a symlink. Read-only mounts need mount points, and a placeholder is what
/// keeps a tool from *creating* `.git/hooks/pre-commit` or `.jido/commands/x.md` where nothing
/// was yet. A missing top-level entry (`.git` of a project that is no repository) gets none: see
/// `csb_protect_prepare` and docs/profiles.md.
enum ProtectedPaths {
    /// The paths to mount read-only over themselves, relative to the workspace, in profile
    /// order, without entries under an earlier one (a placeholder `.git/` covers `.git/config`).
    static func prepare(_ paths: [String], root: RootHandle) throws(SandboxError) -> [String] {
        var mounts: [String] = []
        for (index, entry) in paths.enumerated() {
            let isDirectory = entry.hasSuffix("/")
            let relative = isDirectory ? String(entry.dropLast()) : entry
            if mounts.contains(where: { relative == $0 || relative.hasPrefix($0 + "/") }) { continue }
            let depth = csb_protect_prepare(root.fd.raw, relative, isDirectory ? 1 : 0, root.stat.st_uid, root.stat.st_gid)
            if depth == 0 { continue }  // a missing top-level entry, or one nobody may create
            guard depth > 0 else {
                let err = errno
                throw .protectedPathUnsafe(
                    path: "\(root.path)/\(relative)",
                    reason: err == ELOOP
                        ? "it is, or runs through, a symbolic link; protected paths are never followed "
                            + "(remove the link, or lift filesystem.workspace.protected_paths[\(index)])"
                        : SandboxError.errnoText(err))
            }
            let components = relative.split(separator: "/").prefix(Int(depth))
            mounts.append(components.joined(separator: "/"))
        }
        return mounts
    }
}
