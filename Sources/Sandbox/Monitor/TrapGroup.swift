#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// The host's one fanotify group for sandbox traps, shared by every monitor process of root, and
/// this process's reader of it.
///
/// A user has `fs.fanotify.max_user_groups` groups host-wide (128 for root): a group per live or
/// warm sandbox made every prepare fail with EMFILE past ~100 sandboxes on a host (a warm pool of
/// `jcs-worker`s holds one sandbox per process), and closing a group with marks waits for an
/// SRCU grace period. So the first monitor makes the group and lists itself in `registry`; every
/// later one takes a duplicate of the descriptor from a live holder (`pidfd_getfd`, root only)
/// and lists itself too. The group lives as long as one holder does.
///
/// Every holder reads it (a thread each). Whoever reads an event refuses it (FAN_DENY: the tool
/// sees EPERM), but first sends the trap's inode to the mailbox of the sandbox that opened it
/// (`TrapMailbox`, named after the sandbox's pid namespace, read while the opener waits), so a
/// run that ends after the tool saw EPERM always finds the record there. Reading and answering
/// hold one lock across processes: an answer names its event by descriptor number, which is only
/// unique within the reader's own table.
final class TrapGroup: Sendable {
    /// The group's descriptor, open for the life of the process.
    let fd: Int32
    /// The socket the reader sends mailbox records from.
    private let sender: Int32
    /// `registry/lock`, held while reading and answering events.
    private let lock: Int32
    /// Which `HostSecretTraps` directories this process marked (a remade one is marked again).
    private let markedShared = Mutex<Set<TrapSet.Inode>>([])

    /// Where holders list themselves (`PID-STARTTIME-FD`, empty files) and the readers' lock.
    static let registry = TrapSet.hostBase + "/groups"
    /// Where sandboxes' mailboxes are bound, one socket per pid namespace.
    static let mailboxes = TrapSet.hostBase + "/mailboxes"

    private static let current = Mutex<TrapGroup?>(nil)

    private init(fd: Int32, sender: Int32, lock: Int32) {
        self.fd = fd
        self.sender = sender
        self.lock = lock
    }

    /// The process's group, joined or made on first use. nil with errno set when the host has no
    /// fanotify permission events for us (not root in the init user namespace, a kernel without
    /// FANOTIFY_ACCESS_PERMISSIONS, or the user's groups exhausted); a later call tries again.
    static func shared() -> TrapGroup? {
        var failure: Int32 = 0
        let group = current.withLock { current -> TrapGroup? in
            if let current { return current }
            guard let group = join() else {
                failure = errno
                return nil
            }
            current = group
            return group
        }
        if group == nil { errno = failure }
        return group
    }

    private static func join() -> TrapGroup? {
        guard geteuid() == 0 else {
            // Permission events need root in the init user namespace, and the registry is root's.
            errno = EPERM
            return nil
        }
        do throws(SandboxError) {
            try TrapSet.ensureTmpfs(TrapSet.hostBase)
        } catch {
            return nil
        }
        for directory in [registry, mailboxes] where mkdir(directory, 0o700) != 0 && errno != EEXIST { return nil }
        let lock = open(registry + "/lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return nil }
        let sender = csb_trap_mailbox_sender()
        guard sender >= 0 else {
            close(lock)
            return nil
        }
        guard let fd = adopt() ?? made() else {
            let err = errno
            close(lock)
            close(sender)
            errno = err
            return nil
        }
        let group = TrapGroup(fd: fd, sender: sender, lock: lock)
        guard let start = startTime(getpid()), group.startReader() else {
            let err = errno
            close(fd)
            close(lock)
            close(sender)
            errno = err
            return nil
        }
        let entry = open(registry + "/\(getpid())-\(start)-\(fd)", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if entry >= 0 { close(entry) }
        return group
    }

    private static func made() -> Int32? {
        let fd = csb_fanotify_init()
        return fd >= 0 ? fd : nil
    }

    /// A duplicate of a live holder's group; stale entries (a holder gone, a pid reused) are
    /// removed on the way.
    private static func adopt() -> Int32? {
        guard let stream = opendir(registry) else { return nil }
        var entries: [String] = []
        while let entry = readdir(stream) { entries.append(POSIX.name(of: entry)) }
        closedir(stream)
        // Holders never remove their entry (a worker ends with exit()): whoever joins removes
        // those of dead holders it meets, and all of them once the list grows long.
        let sweepAll = entries.count > 64
        var adopted: Int32?
        for name in entries {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = pid_t(parts[0]), let start = UInt64(parts[1]), let theirs = Int32(parts[2]),
                pid != getpid()
            else { continue }
            if adopted != nil && !sweepAll { break }
            // The start time tells the holder from a later process that got its pid.
            guard startTime(pid) == start else {
                unlink(registry + "/" + name)
                continue
            }
            guard adopted == nil else { continue }
            let pidfd = csb_pidfd_open(pid)
            guard pidfd >= 0 else { continue }
            let fd = csb_pidfd_getfd(pidfd, theirs)
            close(pidfd)
            guard fd >= 0 else { continue }
            if isFanotify(fd) { adopted = fd } else { close(fd) }
        }
        return adopted
    }

    private static func isFanotify(_ fd: Int32) -> Bool {
        var target = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/self/fd/\(fd)", &target, target.count - 1)
        guard n > 0 else { return false }
        return String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "anon_inode:[fanotify]"
    }

    /// Field 22 of `/proc/PID/stat` (clock ticks since boot), after the last ')' of comm.
    private static func startTime(_ pid: pid_t) -> UInt64? {
        guard let stat = POSIX.readFile("/proc/\(pid)/stat", limit: 4096), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); the start time is field 22.
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// Marks the inode at `path` (a trap) for permission events. Returns false with errno set.
    func mark(_ path: String) -> Bool { csb_fanotify_mark(fd, path) == 0 }

    /// Marks `traps`' inodes once per process. Returns false with errno set.
    func markShared(_ traps: HostSecretTraps) -> Bool {
        markedShared.withLock { marked in
            guard !marked.contains(traps.identity) else { return true }
            for trap in traps.inodes.values where csb_fanotify_mark(fd, trap.hostPath) != 0 { return false }
            marked.insert(traps.identity)
            return true
        }
    }

    private func startReader() -> Bool {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        guard pthread_create(&thread, nil, trapGroupReader, context) == 0 else {
            Unmanaged<TrapGroup>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    /// The reader thread's loop: never returns (the group lives as long as the process).
    fileprivate func readForever() -> Never {
        var events = [csb_fan_event](repeating: csb_fan_event(), count: 64)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, -1) <= 0 { continue }
            while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
            let n = events.withUnsafeMutableBufferPointer { csb_fanotify_read(fd, $0.baseAddress!, Int32($0.count)) }
            for event in events[0..<Int(max(0, n))] {
                deliver(event)
                if event.fd >= 0 { csb_fanotify_deny(fd, event.fd) }
            }
            flock(lock, LOCK_UN)
        }
    }

    /// Sends the trap's inode to the mailbox of the opener's pid namespace, or of the nearest
    /// ancestor that has one (a namespace the tool made inside its sandbox). An opener of no
    /// sandbox (a host process walking the trap directory) is refused and reported to nobody.
    private func deliver(_ event: csb_fan_event) {
        let namespaces = withUnsafeBytes(of: event.pidns) { Array($0.bindMemory(to: UInt64.self)) }
        for namespace in namespaces where namespace != 0 {
            if csb_trap_mailbox_send(sender, TrapMailbox.path(namespace), event.dev, event.ino) == 0 { return }
        }
    }
}

private func trapGroupReader(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let group = Unmanaged<TrapGroup>.fromOpaque(raw!).takeRetainedValue()
    group.readForever()
}

/// Where the group's readers leave one sandbox's refused opens: a datagram socket bound at
/// `TrapGroup.mailboxes/<pid namespace inode>`, which the run loop polls. The kernel bounds it
/// (a full socket buffer drops further records; each open is refused all the same).
final class TrapMailbox {
    let socket: OwnedFD
    private let path: String

    static func path(_ pidNamespace: UInt64) -> String { TrapGroup.mailboxes + "/\(pidNamespace)" }

    init?(pidNamespace: UInt64) {
        path = TrapMailbox.path(pidNamespace)
        let fd = csb_trap_mailbox_bind(path)
        guard fd >= 0 else { return nil }
        socket = OwnedFD(fd)
    }

    /// The inodes of every record waiting.
    func drain() -> [TrapSet.Inode] {
        var inodes: [TrapSet.Inode] = []
        var dev: UInt64 = 0
        var ino: UInt64 = 0
        while csb_trap_mailbox_recv(socket.raw, &dev, &ino) == 1 {
            if dev != 0 || ino != 0 { inodes.append(TrapSet.Inode(dev: dev, ino: ino)) }
        }
        return inodes
    }

    /// Unbinds the name (its pid namespace's number may be given to another sandbox).
    func close() {
        guard socket.isOpen else { return }
        unlink(path)
        socket.close()
    }

    deinit { close() }
}
