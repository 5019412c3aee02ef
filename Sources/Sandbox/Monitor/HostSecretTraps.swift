#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// The well-known host secrets every sandbox sees only as reporting traps, laid out once per
/// process and mounted by all its sandboxes: the same empty files and directories whatever the
/// project, so there is nothing per sandbox to make. `TrapGroup` marks them once and tells the
/// sandboxes apart by the opener's pid namespace.
///
/// What the sandboxes share cannot carry anything between them: every inode is empty, sealed
/// 0444/0555, owned by the monitor and mounted read-only, and every open of one is refused.
/// The directory stays for the life of the process (`TrapSet.sweepStale` removes a dead
/// monitor's); it is checked on every use and made again if someone removed it.
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

    /// The process's set, made on first use or when its directory is gone.
    static func shared() throws(SandboxError) -> HostSecretTraps {
        let result: Result<HostSecretTraps, SandboxError> = current.withLock { current in
            if let current, current.isIntact { return .success(current) }
            do throws(SandboxError) {
                let made = try make()
                current = made
                return .success(made)
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

    private static func make() throws(SandboxError) -> HostSecretTraps {
        let directory = try TrapSet.makeDirectory()
        var inodes: [TrapSet.Inode: (hostPath: String, sandboxPath: String)] = [:]
        var mounts: [TrapSet.Mount] = []
        var counter = 0
        func record(_ path: String, sandboxPath: String) throws(SandboxError) {
            var st = stat()
            guard lstat(path, &st) == 0 else { throw .lastError("lstat(\(path))") }
            inodes[TrapSet.Inode(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))] = (path, sandboxPath)
        }
        func file(_ path: String, sandboxPath: String) throws(SandboxError) {
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o444)
            guard fd >= 0 else { throw .lastError("create trap \(path)") }
            close(fd)
            try record(path, sandboxPath: sandboxPath)
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
                mounts.append(TrapSet.Mount(source: source, target: target, flags: create))
            }
            // A tree is made writable while it is filled, then sealed 0555 from the leaves up.
            let rootTree = next()
            guard mkdir(rootTree, 0o755) == 0 else { throw .lastError("mkdir(\(rootTree))") }
            for item in homeContents {
                let isDirectory = item.hasSuffix("/")
                let name = isDirectory ? String(item.dropLast()) : item
                let host = rootTree + "/" + name
                if isDirectory {
                    guard mkdir(host, 0o755) == 0 else { throw .lastError("mkdir(\(host))") }
                    try record(host, sandboxPath: "/root/" + name)
                } else {
                    try file(host, sandboxPath: "/root/" + name)
                }
            }
            for item in homeContents.reversed() where item.hasSuffix("/") {
                _ = chmod(rootTree + "/" + item.dropLast(), 0o555)
            }
            _ = chmod(rootTree, 0o555)
            try record(rootTree, sandboxPath: "/root")
            mounts.append(TrapSet.Mount(source: rootTree, target: "/root", flags: create | CSB_FLAG_DIRECTORY.rawValue))

            let homeTree = next()
            guard mkdir(homeTree, 0o555) == 0 else { throw .lastError("mkdir(\(homeTree))") }
            try record(homeTree, sandboxPath: "/home")
            mounts.append(TrapSet.Mount(source: homeTree, target: "/home", flags: create | CSB_FLAG_DIRECTORY.rawValue))
            var st = stat()
            guard lstat(directory, &st) == 0 else { throw .lastError("lstat(\(directory))") }
            return HostSecretTraps(
                directory: directory, identity: TrapSet.Inode(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)),
                mounts: mounts, inodes: inodes)
        } catch {
            TrapSet.removeRecursively(directory)
            throw error
        }
    }
}
