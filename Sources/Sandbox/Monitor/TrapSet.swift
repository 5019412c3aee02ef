#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// The host side of one sandbox's reporting traps: a fresh directory of empty files and
/// directories, one inode per workspace mask, which the child mounts read-only over the sandbox
/// paths (`CSB_OP_TRAP`) and `TrapWatcher` watches; beside them the process's shared host-secret
/// traps (`HostSecretTraps`).
///
/// One inode per mask, so the inode of an event names the sandbox path that was tried. The files
/// are empty and world-readable on purpose: a mode of 0 would make the kernel refuse the open on
/// permissions, before fanotify could report it, and empty means nothing leaks if the watcher is
/// gone. Once the sandbox is built the host names are unlinked; the mounts keep the inodes alive
/// and nothing of them is left on the host after the sandbox. A workspace without a secret to
/// mask costs no directory at all.
///
/// The same walk finds the setuid/setgid files to mount read-only over themselves
/// (`privilegedFiles`, `CSB_OP_PRIVILEGED`); those are no traps: a refused open of one is not
/// reported (the tool sees `EROFS`).
final class TrapSet {
    enum Kind: String {
        /// A workspace file the sensitive-path denylist covers.
        case sensitivePath = "sensitive_path_denied"
        /// A well-known host secret.
        case hostSecret = "sandbox_violation"
    }

    struct Mount {
        var source: String
        /// The sandbox path, as bytes: a workspace name need not be UTF-8.
        var target: [UInt8]
        var flags: UInt32
    }

    struct Inode: Hashable {
        var dev: UInt64
        var ino: UInt64
    }

    /// The host directory holding this sandbox's masks; nil without masks, or once removed.
    private(set) var directory: String?
    private(set) var mounts: [Mount] = []
    /// Every mask inode with the sandbox path it stands for (host path for marking, until removed).
    private(set) var inodes: [Inode: (hostPath: String, sandboxPath: String, kind: Kind)] = [:]
    /// The process's host-secret traps, when the profile asks for them.
    private(set) var hostSecrets: HostSecretTraps?
    /// Host paths, for removal.
    private var created: [String] = []
    let scanTruncation: SensitiveMasks.Truncation?
    /// Setuid/setgid regular files of the workspace, relative to it, for the child to mount
    /// read-only over themselves.
    let privilegedFiles: [WorkspacePath]
    var isEmpty: Bool { mounts.isEmpty }

    /// The most workspace paths one sandbox masks, and the most setuid/setgid files it protects.
    static let maxMasks = 512
    /// Where a root monitor lays out its sandboxes' traps for the moment of the build.
    public static let hostBase = "/run/jcs-traps"

    private init(scanTruncation: SensitiveMasks.Truncation?, privilegedFiles: [WorkspacePath]) {
        self.scanTruncation = scanTruncation
        self.privilegedFiles = privilegedFiles
    }

    /// Walks the workspace from `root` (the handle whose identity was checked, so the walk sees
    /// the directory that will be mounted, whatever its path names by now) and lays out the traps
    /// `profile.traps` asks for. Throws only on host errors creating the trap files.
    static func create(profile: Profile, root: RootHandle) throws(SandboxError) -> TrapSet {
        let traps = profile.traps
        // A read-only workspace protects its setuid files already.
        let walked = SensitiveMasks.scan(root: root.fd.raw, traps: traps, privileged: profile.filesystem.workspaceWritable)
        Trace.mark("workspace walked")
        let scan = MaskMemo(root: root)?.complete(walked, traps: traps) ?? walked
        // Each is a mount (and pins its directories): past the cap the sandbox is refused, not
        // left with some of them writable.
        guard scan.privileged.count <= maxMasks else {
            throw .invalidRoot(
                path: root.path,
                reason: "\(scan.privileged.count) setuid/setgid or file-capability files, more than the \(maxMasks) a sandbox "
                    + "mounts read-only; remove their bits (chmod ug-s) or capabilities (setcap -r), or make the workspace read-only")
        }
        let set = TrapSet(scanTruncation: scan.truncation, privilegedFiles: scan.privileged)
        // Each mask is a mount and an inode on the shared trap tmpfs: a project (or a tool planting
        // thousands of `.env.N`) past the cap is refused, not half masked.
        guard scan.entries.count <= maxMasks else {
            throw .invalidRoot(
                path: root.path,
                reason: "\(scan.entries.count) paths match the sensitive-path denylist, more than the \(maxMasks) a sandbox "
                    + "masks; remove them or list them in sensitive_path_allowlist (traps.workspace_allow)")
        }
        if !scan.entries.isEmpty {
            let directory = try makeDirectory()
            set.directory = directory
            var counter = 0
            let workspace = profile.filesystem.workspacePath
            for entry in scan.entries {
                counter += 1
                let path = directory + "/\(counter)"
                let rc = entry.isDirectory ? mkdir(path, 0o555) : open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o444)
                guard rc >= 0 else { throw .lastError("create trap \(path)") }
                if !entry.isDirectory { close(rc) }
                set.created.append(path)
                var st = stat()
                guard lstat(path, &st) == 0 else { throw .lastError("lstat(\(path))") }
                // Reported as shown (`\xNN` for a byte that is not UTF-8), mounted at the real bytes.
                let shown = workspace + "/" + entry.relative.description
                set.inodes[Inode(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))] = (path, shown, .sensitivePath)
                let kind = entry.isDirectory ? CSB_FLAG_DIRECTORY.rawValue : 0
                let target = Array((workspace + "/").utf8) + entry.relative.bytes
                set.mounts.append(Mount(source: path, target: target, flags: kind | CSB_FLAG_PIN.rawValue))
            }
        }
        if traps.hostSecrets {
            let shared = try HostSecretTraps.shared()
            set.hostSecrets = shared
            set.mounts.append(contentsOf: shared.mounts)
        }
        return set
    }

    /// A fresh directory for traps, named after this process (so that `sweepStale` can tell a
    /// dead monitor's), traversable by the sandbox's unprivileged root.
    static func makeDirectory() throws(SandboxError) -> String {
        // Not under /run/jcs, which stays 0700: the sandbox's unprivileged root must traverse
        // the path to the sources, and learns nothing there (the names are unlinked at READY).
        let base = geteuid() == 0 ? TrapSet.hostBase : "/tmp"
        if geteuid() == 0 { try ensureTmpfs(base) }
        sweepOnce(base)
        var template = Array((base + "/jcs-traps-\(getpid())-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw .lastError("mkdtemp(\(base))")
        }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The sandbox's root is an unprivileged host uid: it must be able to reach the sources.
        guard chmod(directory, 0o711) == 0 else {
            let err = errno
            _ = rmdir(directory)
            errno = err
            throw .lastError("chmod(\(directory))")
        }
        return directory
    }

    private static let swept = Mutex(false)

    /// Sweeps dead monitors' directories once per process: with one directory of shared traps
    /// per process, what a dead monitor left is a few dozen empty inodes, not one set per sandbox.
    private static func sweepOnce(_ base: String) {
        swept.withLock { done in
            guard !done else { return }
            done = true
            sweepStale(base)
        }
    }

    /// Unlinks the host names of the masks once the sandbox is built (its mounts keep the inodes).
    func releaseNames() {
        for path in created {
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            _ = st.st_mode & S_IFMT == S_IFDIR ? rmdir(path) : unlink(path)
        }
        created = []
    }

    /// Removes everything this set made on the host, by the names it recorded: opening a trap
    /// directory to list it would be a permission event.
    func removeHostTree() {
        guard let directory else { return }
        releaseNames()
        if rmdir(directory) != 0 && errno != ENOENT {
            // Something not recorded is left (a failure mid-way).
            TrapSet.removeRecursively(directory)
        }
        self.directory = nil
    }

    /// A root monitor keeps its traps on a small tmpfs of their own at `hostBase`, mounted once
    /// per boot: on a disk file system the ~40 creations and removals per sandbox cost tens of
    /// milliseconds under load (ext4 journal), on tmpfs microseconds. The lock keeps two monitors
    /// starting at once from stacking two mounts, which would hide one's traps from its child.
    static func ensureTmpfs(_ base: String) throws(SandboxError) {
        func isTmpfs() -> Bool { csb_is_tmpfs(base) != 0 }
        if isTmpfs() { return }
        let lock = Glibc.open(base + ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0 else { throw .lastError("open(\(base).lock)") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .lastError("flock(\(base).lock)") }
        }
        if isTmpfs() { return }
        _ = mkdir(base, 0o711)
        guard mount("tmpfs", base, "tmpfs", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "size=16m,nr_inodes=1048576,mode=0711") == 0
        else { throw .lastError("mount(tmpfs, \(base))") }
    }

    /// Directories of monitors that died before removing theirs (the pid is in the name).
    private static func sweepStale(_ base: String) {
        guard let stream = opendir(base) else { return }
        var stale: [String] = []
        while let entry = readdir(stream) {
            let name = POSIX.name(of: entry)
            let parts = name.split(separator: "-")
            guard parts.count == 4, parts[0] == "jcs", parts[1] == "traps", let pid = pid_t(parts[2]) else { continue }
            // Only our own (an unprivileged monitor shares /tmp with every user).
            var st = stat()
            guard lstat(base + "/" + name, &st) == 0, st.st_uid == geteuid(), st.st_mode & S_IFMT == S_IFDIR else { continue }
            if !isAlive(pid) { stale.append(base + "/" + name) }
        }
        closedir(stream)
        for path in stale { removeRecursively(path) }
    }

    /// Whether `pid` still runs: a zombie does not (a monitor killed under an init that never
    /// reaps stays one, and its trap directory must still be swept).
    private static func isAlive(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        // `/proc/PID/stat`: "pid (comm) S …"; comm may hold spaces and parentheses, the state
        // follows the last ')'.
        guard let stat = POSIX.readFile("/proc/\(pid)/stat", limit: 4096), let close = stat.lastIndex(of: ")") else {
            return true
        }
        return !stat[close...].hasPrefix(") Z")
    }

    /// `rm -r` without following symlinks (there are none: the monitor made every entry).
    static func removeRecursively(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            _ = unlink(path)
            return
        }
        // An unprivileged monitor needs write permission to empty it; the owner bit is enough,
        // and the inodes that live on as traps stay readable to the sandbox.
        if geteuid() != 0 { _ = chmod(path, 0o755) }
        if let stream = opendir(path) {
            var names: [String] = []
            while let entry = readdir(stream) {
                let name = POSIX.name(of: entry)
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(stream)
            for name in names { removeRecursively(path + "/" + name) }
        }
        _ = rmdir(path)
    }

    deinit { removeHostTree() }
}
