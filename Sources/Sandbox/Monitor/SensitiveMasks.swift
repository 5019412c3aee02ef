#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The prepare-time walk that finds what to mask in a workspace: every file or directory whose
/// path the profile's `traps.workspace_deny` matches (as `SensitivePaths` matches for the policy),
/// and every other regular file with a setuid or setgid bit or file capabilities, which the
/// child mounts read-only over itself (`CSB_OP_PRIVILEGED`): a store through a shared writable
/// mapping is the one write the kernel does not strip those on, so a tool could otherwise put
/// its code under a host user's setuid-root file. Only regular files cost a `fstatat` (the mode
/// is not in `d_type`), and executable ones an `lgetxattr`.
///
/// Bounded and blind to symlinks on purpose: it runs on every prepare, over a tree the tools
/// write. Directories are opened one component at a time from their parent's descriptor with
/// `O_NOFOLLOW`, so a symlink swapped in mid-walk ends that branch instead of leading it out of
/// the project; a denied directory is masked whole and not entered.
struct SensitiveMasks {
    struct Entry: Equatable {
        var relative: WorkspacePath
        var isDirectory: Bool
    }

    /// Which bound stopped the walk, and the first directory it left unseen.
    enum Truncation: Equatable {
        case entries(at: String)
        case depth(at: String)
    }

    var entries: [Entry] = []

    /// Regular files with `S_ISUID`, `S_ISGID` or file capabilities (`grantsPrivilege`), outside
    /// the masks.
    var privileged: [WorkspacePath] = []

    var truncation: Truncation?

    /// Walks the tree below the directory descriptor `root`, without following a link. Names are
    /// bytes from `readdir` to `openat`, never decoded on the way: a name that is not UTF-8 is
    /// entered and protected like any other.
    /// - Parameter privileged: also collect the files that grant privilege (`grantsPrivilege`; a
    ///   writable workspace); the walk then runs even without a denylist.
    static func scan(root: Int32, traps: Profile.Traps, privileged collectPrivileged: Bool = false) -> SensitiveMasks {
        var result = SensitiveMasks()
        guard !traps.workspaceDeny.isEmpty || collectPrivileged else { return result }
        let matcher = matcher(traps)
        // From the root's (O_PATH) descriptor: never its path again.
        let top = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard top >= 0 else { return result }
        var seen = 0
        // Depth-first with an explicit stack of directories still to open from their parent: a
        // directory's descriptor lives as long as one of its children waits, so the descriptors
        // open at any time are bounded by the depth, not by how wide the tree is.
        var stack: [(parent: OwnedFD, child: Child)] = []
        var current: (fd: OwnedFD, at: Child?)? = (OwnedFD(top), nil)
        walk: while true {
            if current == nil {
                guard let (parent, child) = stack.popLast() else { break }
                let fd = POSIX.withCString(child.name) { openat(parent.raw, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                if fd >= 0 { current = (OwnedFD(fd), child) }
                continue
            }
            let (directory, at) = current!
            current = nil
            let streamFD = fcntl(directory.raw, F_DUPFD_CLOEXEC, 0)
            guard streamFD >= 0, let stream = fdopendir(streamFD) else {
                if streamFD >= 0 { close(streamFD) }
                continue
            }
            defer { closedir(stream) }
            var children: [Child] = []
            // The components the denylist matches, the last one rewritten per entry: no array
            // is made per entry (names up to 15 bytes are no allocation either).
            var components = (at?.components ?? []) + [""]
            func path(_ name: [UInt8]) -> WorkspacePath { at.map { $0.path.appending(name) } ?? WorkspacePath(bytes: name) }
            while let entry = readdir(stream) {
                let name = POSIX.nameBytes(of: entry)
                if POSIX.isSelfOrParent(name) { continue }
                seen += 1
                if seen > traps.walkMaxEntries {
                    result.truncation = .entries(at: at?.path.description ?? ".")
                    break walk
                }
                var type = entry.pointee.d_type
                var mode: mode_t?
                if type == UInt8(DT_UNKNOWN) {
                    var st = stat()
                    guard POSIX.withCString(name, { fstatat(directory.raw, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { continue }
                    let format = st.st_mode & S_IFMT
                    type = format == S_IFDIR ? UInt8(DT_DIR) : format == S_IFREG ? UInt8(DT_REG) : 0
                    mode = st.st_mode
                }
                guard type == UInt8(DT_DIR) || type == UInt8(DT_REG) else { continue }
                components[components.count - 1] = String(decoding: name, as: UTF8.self)
                let verdict = matcher.walkVerdict(components, belowAllowed: at?.belowAllowed ?? false)
                if case .denied = verdict {
                    result.entries.append(Entry(relative: path(name), isDirectory: type == UInt8(DT_DIR)))
                } else if type == UInt8(DT_DIR) {
                    if components.count > traps.walkMaxDepth {
                        if result.truncation == nil { result.truncation = .depth(at: path(name).description) }
                        continue
                    }
                    children.append(Child(name: name, path: path(name), components: components, belowAllowed: verdict == .allowed))
                } else if collectPrivileged, let mode = mode ?? regularMode(directory.raw, name),
                    grantsPrivilege(mode: mode, capabilities: {
                        hasCapabilities(Array("/proc/self/fd/\(directory.raw)/".utf8) + name, follow: false)
                    })
                {
                    result.privileged.append(path(name))
                }
            }
            for child in children.reversed() { stack.append((directory, child)) }
        }
        return result
    }

    /// A directory the walk will enter: its name as `readdir` gave it, its path, the components
    /// the denylist matches, and whether it or an ancestor is denied but allowed (what is below
    /// is then still denied unless allowed itself).
    private struct Child {
        var name: [UInt8]
        var path: WorkspacePath
        var components: [String]
        var belowAllowed: Bool
    }

    /// The profile's workspace denylist and allowlist, as the walk and `MaskMemo` match paths.
    static func matcher(_ traps: Profile.Traps) -> SensitivePaths {
        SensitivePaths(denylist: traps.workspaceDeny.map(Glob.init), allowlist: traps.workspaceAllow.map(Glob.init))
    }

    /// The mode of `name` in `directory` if it is still a regular file (a file is no link or
    /// directory just because `d_type` said so a moment ago). This `fstatat` is the walk's cost
    /// per regular file (~1.6 µs on ext4 here, the syscall itself).
    private static func regularMode(_ directory: Int32, _ name: [UInt8]) -> mode_t? {
        var st = stat()
        guard POSIX.withCString(name, { fstatat(directory, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0, st.st_mode & S_IFMT == S_IFREG else {
            return nil
        }
        return st.st_mode
    }

    /// Whether a regular file gives whoever runs it more than they have: a setuid or setgid bit,
    /// or file capabilities (`security.capability`, as `setcap` writes them), which the kernel
    /// also strips on `write` but not on a store through a shared mapping. Capabilities are read
    /// only on executable files (an `lgetxattr`, the walk's second syscall for those), since the
    /// kernel applies them at `execve` alone; `capabilities` says whether the file has them.
    static func grantsPrivilege(mode: mode_t, capabilities: () -> Bool) -> Bool {
        if mode & (S_ISUID | S_ISGID) != 0 { return true }
        return mode & 0o111 != 0 && capabilities()
    }

    /// Whether the file at `path` has `security.capability`; `follow: false` reads the last
    /// component itself (a name in a walked directory, `/proc/self/fd/DIR/NAME`), `true` follows
    /// it (`/proc/self/fd/N` of the file's own descriptor).
    static func hasCapabilities(_ path: [UInt8], follow: Bool) -> Bool {
        POSIX.withCString(path) { csb_file_has_capabilities($0, follow ? 1 : 0) } != 0
    }
}

extension SensitiveMasks.Truncation {
    /// `sensitive_scan_truncated`: the limit (`walk_max_entries`, `walk_max_depth`) and the first
    /// workspace directory left unmasked.
    var violation: Violation {
        switch self {
        case .entries(let at):
            Violation(kind: "sensitive_scan_truncated", path: at, limit: "walk_max_entries", atMs: Timestamp.nowMs())
        case .depth(let at):
            Violation(kind: "sensitive_scan_truncated", path: at, limit: "walk_max_depth", atMs: Timestamp.nowMs())
        }
    }
}
