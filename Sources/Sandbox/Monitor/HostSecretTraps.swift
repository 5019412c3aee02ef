#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// The well-known host secrets every sandbox sees only as reporting traps: the same empty files
/// and directories whatever the project, so nothing of them is made per sandbox. A root monitor
/// keeps one set for the whole host at `hostBase/host-secrets`, made once per boot (the traps'
/// tmpfs) under a lock and renamed into place whole; every process marks it once in the shared
/// group (`TrapGroup`, marking an inode twice is one mark), which tells the sandboxes apart by
/// the opener's pid namespace. An unprivileged monitor keeps a set per process in /tmp, where
/// another user could have made the fixed name first.
///
/// What the sandboxes share cannot carry anything between them: every inode is empty, sealed
/// 0444/0555, owned by root and mounted read-only, and every open of one is refused. The set is
/// checked (an lstat) on every use and made again if someone removed it.
final class HostSecretTraps: Sendable {
    /// The host directory holding them.
    let directory: String
    /// Device and inode of `directory`: which set a mark belongs to.
    let identity: TrapSet.Inode
    let mounts: [TrapSet.Mount]
    let inodes: [TrapSet.Inode: (hostPath: String, sandboxPath: String)]

    private static let files = ["/etc/shadow", "/etc/gshadow", "/run/docker.sock", "/var/run/docker.sock"]
    /// `/root` is a tree whose well-known contents are traps too, so that `cat /root/.ssh/id_rsa`
    /// is reported, not just a listing of `/root`. `/home` is one trap directory: its listing is
    /// reported, a path beneath it is simply not there (trees per host user would name them).
    private static let homeContents = [
        ".ssh/", ".ssh/id_rsa", ".ssh/id_ecdsa", ".ssh/id_ed25519", ".ssh/authorized_keys", ".aws/",
        ".aws/credentials", ".config/", ".config/gcloud/", ".kube/", ".kube/config", ".docker/", ".docker/config.json",
    ]

    private static let current = Mutex<HostSecretTraps?>(nil)

    private init(
        directory: String, identity: TrapSet.Inode, mounts: [TrapSet.Mount],
        inodes: [TrapSet.Inode: (hostPath: String, sandboxPath: String)]
    ) {
        self.directory = directory
        self.identity = identity
        self.mounts = mounts
        self.inodes = inodes
    }

    /// The set to mount, made or found on first use or when its directory is gone.
    static func shared() throws(SandboxError) -> HostSecretTraps {
        let result: Result<HostSecretTraps, SandboxError> = current.withLock { current in
            if let current, current.isIntact { return .success(current) }
            do throws(SandboxError) {
                let found = geteuid() == 0 ? try hostWide() : try make(in: try TrapSet.makeDirectory())
                current = found
                return .success(found)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Whether the directory is still the one made (an lstat per prepare).
    private var isIntact: Bool {
        var st = stat()
        return lstat(directory, &st) == 0 && UInt64(st.st_dev) == identity.dev && UInt64(st.st_ino) == identity.ino
    }

    /// `hostBase/host-secrets`: read when a complete set is there, else made beside it and
    /// renamed into place, under `host-secrets.lock` so that two monitors starting at once agree.
    private static func hostWide() throws(SandboxError) -> HostSecretTraps {
        let base = TrapSet.hostBase
        try TrapSet.ensureTmpfs(base)
        let path = base + "/host-secrets"
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw .lastError("open(\(path).lock)") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .lastError("flock(\(path).lock)") }
        }
        if let found = try? make(in: path, existing: true) { return found }
        // Missing or not what we make (a partial set, someone's edit): replaced whole.
        TrapSet.removeRecursively(path)
        let fresh = try TrapSet.makeDirectory()
        _ = try make(in: fresh)
        guard rename(fresh, path) == 0 else {
            let err = errno
            TrapSet.removeRecursively(fresh)
            errno = err
            throw .lastError("rename(\(fresh), \(path))")
        }
        return try make(in: path, existing: true)
    }

    /// Lays the set out in the empty `directory`, or with `existing` reads the one there,
    /// checking every entry is what this code makes (owner, type, mode, empty): the layout is
    /// the same order of names either way.
    private static func make(in directory: String, existing: Bool = false) throws(SandboxError) -> HostSecretTraps {
        var inodes: [TrapSet.Inode: (hostPath: String, sandboxPath: String)] = [:]
        var mounts: [TrapSet.Mount] = []
        var counter = 0
        func record(_ path: String, sandboxPath: String, directory isDirectory: Bool = false) throws(SandboxError) {
            var st = stat()
            guard lstat(path, &st) == 0 else { throw .lastError("lstat(\(path))") }
            if existing {
                let type = st.st_mode & S_IFMT
                guard st.st_uid == geteuid(), type == (isDirectory ? S_IFDIR : S_IFREG),
                    st.st_mode & 0o7777 == (isDirectory ? 0o555 : 0o444), isDirectory || st.st_size == 0
                else { throw .invalidRoot(path: path, reason: "not a trap this monitor makes") }
            }
            inodes[TrapSet.Inode(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))] = (path, sandboxPath)
        }
        func file(_ path: String, sandboxPath: String) throws(SandboxError) {
            if !existing {
                let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o444)
                guard fd >= 0 else { throw .lastError("create trap \(path)") }
                close(fd)
            }
            try record(path, sandboxPath: sandboxPath)
        }
        func mkdirUnlessExisting(_ path: String, _ mode: mode_t) throws(SandboxError) {
            guard existing || mkdir(path, mode) == 0 else { throw .lastError("mkdir(\(path))") }
        }
        func next() -> String {
            counter += 1
            return directory + "/\(counter)"
        }
        do throws(SandboxError) {
            let create = CSB_FLAG_CREATE.rawValue
            for target in files {
                let source = next()
                try file(source, sandboxPath: target)
                mounts.append(TrapSet.Mount(source: source, target: Array(target.utf8), flags: create))
            }
            // A tree is made writable while it is filled, then sealed 0555 from the leaves up.
            let rootTree = next()
            try mkdirUnlessExisting(rootTree, 0o755)
            for item in homeContents {
                let isDirectory = item.hasSuffix("/")
                let name = isDirectory ? String(item.dropLast()) : item
                let host = rootTree + "/" + name
                if isDirectory {
                    try mkdirUnlessExisting(host, 0o755)
                    if existing { try record(host, sandboxPath: "/root/" + name, directory: true) }
                } else {
                    try file(host, sandboxPath: "/root/" + name)
                }
            }
            if !existing {
                for item in homeContents.reversed() where item.hasSuffix("/") {
                    let name = String(item.dropLast())
                    _ = chmod(rootTree + "/" + name, 0o555)
                    try record(rootTree + "/" + name, sandboxPath: "/root/" + name)
                }
                _ = chmod(rootTree, 0o555)
            }
            try record(rootTree, sandboxPath: "/root", directory: true)
            mounts.append(TrapSet.Mount(source: rootTree, target: Array("/root".utf8), flags: create | CSB_FLAG_DIRECTORY.rawValue))

            let homeTree = next()
            try mkdirUnlessExisting(homeTree, 0o555)
            try record(homeTree, sandboxPath: "/home", directory: true)
            mounts.append(TrapSet.Mount(source: homeTree, target: Array("/home".utf8), flags: create | CSB_FLAG_DIRECTORY.rawValue))
            var st = stat()
            guard lstat(directory, &st) == 0 else { throw .lastError("lstat(\(directory))") }
            return HostSecretTraps(
                directory: directory, identity: TrapSet.Inode(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)),
                mounts: mounts, inodes: inodes)
        } catch {
            if !existing { TrapSet.removeRecursively(directory) }
            throw error
        }
    }
}
