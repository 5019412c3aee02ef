#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The profile's protected paths made ready to mount: each exists and none is or runs through a
/// symlink. Read-only mounts need mount points, and a placeholder is what keeps a tool from
/// *creating* `.git/config`, `.envrc` or `.jido/commands/x.md` where nothing was yet:
/// - below an existing entry (`.git/hooks` in a repository without hooks), an empty placeholder
///   is created at the highest missing ancestor, owned like the root, and stays;
/// - for a missing entry of the root itself (`.git` of a project that is no repository, `.envrc`)
///   a marked placeholder (`csb_protect_placeholder`) is mounted read-only in its place while the
///   sandbox lives and removed by the last sandbox of the project to go (`Placeholders`), so the
///   project keeps no trace of it.
enum ProtectedPaths {
    struct Prepared: Sendable {
        /// The paths to mount read-only over themselves, relative to the workspace, in profile
        /// order, without entries under an earlier one (a placeholder `.git/` covers `.git/config`).
        var mounts: [String] = []
        /// The root's placeholders, removed when the sandbox goes (nil when none was needed).
        var placeholders: Placeholders?
    }

    static func prepare(_ paths: [String], root: RootHandle) throws(SandboxError) -> Prepared {
        var prepared = Prepared()
        for (index, entry) in paths.enumerated() {
            let isDirectory = entry.hasSuffix("/")
            let relative = isDirectory ? String(entry.dropLast()) : entry
            if prepared.mounts.contains(where: { relative == $0 || relative.hasPrefix($0 + "/") }) { continue }
            func unsafe(_ err: Int32) -> SandboxError {
                .protectedPathUnsafe(
                    path: "\(root.path)/\(relative)",
                    reason: err == ELOOP
                        ? "it is, or runs through, a symbolic link; protected paths are never followed "
                            + "(remove the link, or lift filesystem.workspace.protected_paths[\(index)])"
                        : SandboxError.errnoText(err))
            }
            let top = String(relative.split(separator: "/", maxSplits: 1).first ?? "")
            let topIsDirectory = isDirectory || relative.contains("/")
            // Under the lock even when the entry exists: it may be another sandbox's placeholder.
            if prepared.placeholders == nil, geteuid() == 0 {
                prepared.placeholders = try Placeholders(root: root)
            }
            if let placeholders = prepared.placeholders {
                switch csb_protect_placeholder(root.fd.raw, top, topIsDirectory ? 1 : 0, root.stat.st_uid, root.stat.st_gid) {
                case 1:
                    placeholders.names.append(top)
                    prepared.mounts.append(top)
                    continue
                case 0: continue  // refused to us, so to the tool as well
                case 2: break  // a real entry: protected below like any other
                default: throw unsafe(errno)
                }
            }
            // A `.git` that is a file (a linked worktree's or a submodule checkout's `gitdir:`
            // pointer) has no `config` or `hooks/` below it: protected whole instead, since a
            // rewritten pointer would send the host's git to a directory the tool made.
            var topStat = stat()
            if topIsDirectory, fstatat(root.fd.raw, top, &topStat, AT_SYMLINK_NOFOLLOW) == 0, topStat.st_mode & S_IFMT == S_IFREG {
                if !prepared.mounts.contains(top) { prepared.mounts.append(top) }
                continue
            }
            let depth = csb_protect_prepare(root.fd.raw, relative, isDirectory ? 1 : 0, root.stat.st_uid, root.stat.st_gid)
            if depth == 0 { continue }  // a missing entry without a placeholder, or one nobody may create
            guard depth > 0 else { throw unsafe(errno) }
            let components = relative.split(separator: "/").prefix(Int(depth))
            prepared.mounts.append(components.joined(separator: "/"))
        }
        if prepared.placeholders?.names.isEmpty == true {
            prepared.placeholders = nil  // nothing of ours to hold a share for
        }
        return prepared
    }

    /// The placeholders one sandbox mounted at the root, and its share of the project's lock
    /// (`/run/jcs-protect/<dev>-<ino>.lock`, shared while the sandbox lives, unlinked by the last). Released after the
    /// sandbox is reaped: whoever then gets the lock exclusively knows no sandbox of the project
    /// has a placeholder mounted and removes those still empty, its own and any a dead monitor
    /// left. Root only: the marker is a trusted.* attribute.
    final class Placeholders: @unchecked Sendable {
        static let lockDirectory = "/run/jcs-protect"
        fileprivate(set) var names: [String] = []
        private let lock: OwnedFD
        private let path: String
        private let root: OwnedFD

        init(root handle: RootHandle) throws(SandboxError) {
            if mkdir(Placeholders.lockDirectory, 0o700) != 0 && errno != EEXIST {
                throw .lastError("mkdir(\(Placeholders.lockDirectory))")
            }
            var st = stat()
            guard lstat(Placeholders.lockDirectory, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == 0 else {
                throw .protectedPathUnsafe(
                    path: Placeholders.lockDirectory, reason: "not a directory of root's (placeholder locks live there)")
            }
            let path = "\(Placeholders.lockDirectory)/\(handle.identity.device)-\(handle.identity.inode).lock"
            // The last holder unlinks the file: a lock taken on a file that is no longer at the
            // path shares nothing with the next sandbox, so take it again on the new one.
            while true {
                let fd = OwnedFD(open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600))
                guard fd.isOpen else { throw .lastError("open(\(path))") }
                while flock(fd.raw, LOCK_SH) != 0 {
                    guard errno == EINTR else { throw .lastError("flock(\(path))") }
                }
                var held = stat()
                var named = stat()
                if fstat(fd.raw, &held) == 0, lstat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                    lock = fd
                    self.path = path
                    break
                }
            }
            let copy = fcntl(handle.fd.raw, F_DUPFD_CLOEXEC, 3)
            guard copy >= 0 else { throw .lastError("dup(root)") }
            root = OwnedFD(copy)
        }

        /// `release()` by a helper off the caller's path (`csb_protect_release_detached`), which
        /// also closes `fds` (the sandbox's namespaces), once the result is out.
        func releaseDetached(closing fds: [Int32]) {
            guard lock.isOpen else {
                csb_close_all_detached(fds, Int32(fds.count))
                return
            }
            var joined: [CChar] = []
            for name in names { joined += name.utf8.map { CChar(bitPattern: $0) } + [0] }
            // The helper's record holds 1 KiB of names and a 255-byte path; more is released here.
            guard joined.count < 1024, path.utf8.count < 256 else {
                release()
                csb_close_all_detached(fds, Int32(fds.count))
                return
            }
            let lockFD = lock.take()
            let rootFD = root.take()
            _ = joined.withUnsafeBufferPointer { chars in
                csb_protect_release_detached(lockFD, rootFD, path, chars.baseAddress!, chars.count, fds, Int32(fds.count))
            }
        }

        /// Gives up this sandbox's share; the last one removes the placeholders. A share another
        /// sandbox holds makes the exclusive lock fail at once: that one removes them later.
        func release() {
            guard lock.isOpen else { return }
            if flock(lock.raw, LOCK_EX | LOCK_NB) == 0 {
                for name in names { csb_protect_sweep(root.raw, name) }
                unlink(path)  // one file per project while it has sandboxes, none after
            }
            lock.close()
            root.close()
        }

        deinit { release() }
    }
}
