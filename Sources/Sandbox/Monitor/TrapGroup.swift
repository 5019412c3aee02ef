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
/// run that ends after the tool saw EPERM always finds the record there.
///
/// The kernel matches an answer to its waiting event by descriptor number alone, the number the
/// event got in its reader's table, whoever writes the answer. Two invariants follow:
/// - Readers take turns under one lock across processes, and a reader answers everything it
///   read before its turn ends: while a reader holds the lock, no other live reader has an
///   event outstanding, so numbers cannot be confused.
/// - A reader that dies in its turn (SIGKILL, or `exit` from another thread) leaves events
///   nobody would ever answer: their openers would wait until their sandboxes were killed, and
///   the next event read with the same number would have its answer taken by the orphan,
///   shifting every later answer by one. So readers read into a page they share (`TurnFile`),
///   where the kernel writes each event's number; a phase word says a turn is under way. The
///   next reader to take the lock and find the phase still set answers the orphans by number
///   first and names their openers' sandboxes (the trap's inode is gone with the dead reader).
///   Idle readers look for such a turn every `orphanCheckMs`, so an orphan waits no longer
///   than that even when no other event comes. A process that exits normally waits for its
///   reader's turn to end (`atexit`).
final class TrapGroup: Sendable {
    /// The group's descriptor, open for the life of the process.
    let fd: Int32
    /// The socket the reader sends mailbox records from.
    private let sender: Int32
    /// The group's turn file (`TurnFile`), `flock`ed while reading and answering events.
    let turnPath: String
    private let lock: Int32
    /// The turn file mapped shared: the phase word, then the page the last turn read into.
    private nonisolated(unsafe) let cycle: UnsafeMutableRawPointer
    /// Which `HostSecretTraps` directories this process marked (a remade one is marked again).
    private let markedShared = Mutex<Set<TrapSet.Inode>>([])
    /// Mailboxes bound by this process, for `sweepMailboxes`.
    private let mailboxesBound = Atomic<Int>(0)

    /// Where holders list themselves (`PID-STARTTIME-FD-GROUP`, empty files) and each group's
    /// turn file (`group-GROUP`).
    static let registry = TrapSet.hostBase + "/groups"
    /// Where sandboxes' mailboxes are bound, one socket per pid namespace.
    static let mailboxes = TrapSet.hostBase + "/mailboxes"
    /// How often an idle reader looks for a turn a dead reader left unfinished.
    static let orphanCheckMs: Int32 = 200
    /// The mailbox record of an open whose reader died before naming the trap.
    static let unnamed = TrapSet.Inode(dev: .max, ino: .max)

    private static let cycleSize = 2 * Int(CSB_FAN_READ_SIZE)
    private static let idle: UInt32 = 0
    private static let reading: UInt32 = 1

    private static let current = Mutex<TrapGroup?>(nil)

    private init(fd: Int32, sender: Int32, turns: TurnFile) {
        self.fd = fd
        self.sender = sender
        turnPath = turns.path
        lock = turns.fd
        cycle = turns.page
    }

    /// The phase word lives at the start of `cycle`; the read page follows it.
    private var readPage: UnsafeMutableRawPointer { cycle + Int(CSB_FAN_READ_SIZE) }

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
        guard let start = startTime(getpid()) else { return nil }
        let sender = OwnedFD(csb_trap_mailbox_sender())
        guard sender.isOpen, let (fd, name) = adopt() ?? made(start: start) else { return nil }
        guard let turns = TurnFile(path: registry + "/group-" + name) else {
            let err = errno
            close(fd)
            errno = err
            return nil
        }
        let group = TrapGroup(fd: fd, sender: sender.take(), turns: turns)
        guard group.startReader() else {
            let err = errno
            close(fd)
            errno = err
            return nil
        }
        let entry = open(registry + "/\(getpid())-\(start)-\(fd)-\(name)", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if entry >= 0 { close(entry) }
        atexit { TrapGroup.endTurnsBeforeExit() }
        return group
    }

    /// One group's lock and shared page (`registry/group-NAME`): allocated at its size by the
    /// group's first holder (a later `posix_fallocate` of the same range changes nothing),
    /// mapped shared, and `flock`ed for each turn. A group of its own for each group: if joining
    /// ever fails while a holder lives and a second group is made, its readers never answer by
    /// number into the first group's page.
    private struct TurnFile {
        let path: String
        let fd: Int32
        let page: UnsafeMutableRawPointer

        init?(path: String) {
            let file = OwnedFD(open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600))
            guard file.isOpen else { return nil }
            var st = stat()
            guard fstat(file.raw, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
                errno = EINVAL
                return nil
            }
            // Allocated, not just sized: a sparse page of a full tmpfs is a SIGBUS at the first
            // store through the mapping (the reader thread's), where this fails with ENOSPC.
            let reserved = posix_fallocate(file.raw, 0, off_t(cycleSize))
            guard reserved == 0 else {
                errno = reserved
                return nil
            }
            guard let page = mmap(nil, cycleSize, PROT_READ | PROT_WRITE, MAP_SHARED, file.raw, 0), page != MAP_FAILED
            else { return nil }
            self.path = path
            self.page = page
            fd = file.take()
        }
    }

    /// An `atexit` hook: takes the readers' lock on a descriptor of its own, which waits for
    /// this process's reader to end its turn and keeps it (and every other reader) from starting
    /// another until the process is gone and the kernel drops the lock. Bounded: a process does
    /// not hang on its way out because another holder is stuck.
    private static func endTurnsBeforeExit() {
        guard let path = current.withLock({ $0?.turnPath }) else { return }
        let held = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard held >= 0 else { return }
        for _ in 0..<100 {
            if flock(held, LOCK_EX | LOCK_NB) == 0 { return }
            usleep(10_000)
        }
        close(held)
    }

    /// A new group, named after this process (`PID.STARTTIME`: unique for the life of the host).
    private static func made(start: UInt64) -> (Int32, String)? {
        let fd = csb_fanotify_init()
        return fd >= 0 ? (fd, "\(getpid()).\(start)") : nil
    }

    /// A duplicate of a live holder's group and the group's name; stale entries (a holder gone,
    /// a pid reused) and the turn files of groups nobody holds are removed on the way.
    private static func adopt() -> (Int32, String)? {
        guard let entries = POSIX.entries(of: registry) else { return nil }
        // Holders never remove their entry (a worker ends with exit()): whoever joins removes
        // those of dead holders it meets, and all of them once the list grows long.
        let sweepAll = entries.count > 64
        var adopted: (Int32, String)?
        var held: Set<Substring> = []
        for name in entries {
            let parts = name.split(separator: "-")
            guard parts.count == 4, let pid = pid_t(parts[0]), let start = UInt64(parts[1]), let theirs = Int32(parts[2]),
                pid != getpid()
            else { continue }
            if adopted != nil && !sweepAll { break }
            // The start time tells the holder from a later process that got its pid.
            guard startTime(pid) == start else {
                unlink(registry + "/" + name)
                continue
            }
            held.insert(parts[3])
            guard adopted == nil else { continue }
            let pidfd = csb_pidfd_open(pid)
            guard pidfd >= 0 else { continue }
            let fd = csb_pidfd_getfd(pidfd, theirs)
            close(pidfd)
            guard fd >= 0 else { continue }
            if isFanotify(fd) { adopted = (fd, String(parts[3])) } else { close(fd) }
        }
        if sweepAll {
            // A group's file goes once no live holder lists it and its maker is gone (a maker
            // makes the file before its entry exists).
            for name in entries where name.hasPrefix("group-") {
                let group = name.dropFirst("group-".count)
                let maker = group.split(separator: ".")
                guard !held.contains(group), maker.count == 2, let pid = pid_t(maker[0]), let start = UInt64(maker[1]),
                    startTime(pid) != start
                else { continue }
                unlink(registry + "/" + name)
            }
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

    /// A monitor killed with its sandboxes live leaves their mailboxes bound to nothing; the
    /// first mailbox a process binds, and every 128th after, removes those (a send to them is
    /// refused). A live one only ever receives an empty datagram from this, which it skips.
    func sweepMailboxes() {
        guard mailboxesBound.add(1, ordering: .relaxed).oldValue % 128 == 0 else { return }
        for name in POSIX.entries(of: Self.mailboxes) ?? [] {
            let path = Self.mailboxes + "/" + name
            if csb_trap_mailbox_alive(sender, path) == 0 { unlink(path) }
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
        // As many records as one read can hold events: none is refused for want of a record.
        var events = [csb_fan_event](repeating: csb_fan_event(), count: Int(CSB_FAN_EVENTS_PER_READ))
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let pending = poll(&p, 1, Self.orphanCheckMs) > 0
            // Idle: only a turn left unfinished needs us, and its lock is free.
            if !pending && csb_fan_phase_load(cycle) == Self.idle { continue }
            guard takeTurn(waiting: pending) else { continue }
            answerOrphans()
            if pending { readAndAnswer(&events) }
            flock(lock, LOCK_UN)
        }
    }

    private func takeTurn(waiting: Bool) -> Bool {
        while flock(lock, waiting ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            guard errno == EINTR else { return false }
        }
        return true
    }

    /// A turn's phase still set when we hold the lock: its reader died before answering all it
    /// read. Tells each orphan's sandbox first (its run loop's last drain must find the record,
    /// as on the live path), then answers it by number.
    private func answerOrphans() {
        guard csb_fan_phase_load(cycle) != Self.idle else { return }
        var orphans = [csb_fan_event](repeating: csb_fan_event(), count: Int(CSB_FAN_EVENTS_PER_READ))
        let n = orphans.withUnsafeMutableBufferPointer { csb_fanotify_orphans(readPage, $0.baseAddress!, Int32($0.count)) }
        for var orphan in orphans[0..<Int(n)] {
            orphan.dev = Self.unnamed.dev
            orphan.ino = Self.unnamed.ino
            deliver(orphan)
            csb_fanotify_answer_orphan(fd, readPage, &orphan)
        }
        csb_fan_phase_store(cycle, Self.idle)
    }

    private func readAndAnswer(_ events: inout [csb_fan_event]) {
        memset(readPage, 0, Int(CSB_FAN_READ_SIZE))
        csb_fan_phase_store(cycle, Self.reading)
        let length = csb_fanotify_read(fd, readPage)
        let n = length <= 0 ? 0 : events.withUnsafeMutableBufferPointer {
            csb_fanotify_parse(fd, readPage, length, $0.baseAddress!, Int32($0.count))
        }
        for event in events[0..<Int(n)] {
            deliver(event)
            withUnsafePointer(to: event) { csb_fanotify_answer(fd, readPage, $0) }
        }
        csb_fan_phase_store(cycle, Self.idle)
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
    // It answers every sandbox on the host under a lock they share: not at a refill's priority.
    PreparePriority.setCallingThreadForHostWork()
    // Named so that an operator (and a test) can tell it in `ps -L` and /proc/PID/task.
    try? POSIX.writeFile("/proc/thread-self/comm", "jcs-trap-reader")
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
