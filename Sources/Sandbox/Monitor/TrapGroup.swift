#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// The one fanotify group of this process, shared by every sandbox it prepares, and the thread
/// that answers its permission events.
///
/// A user has `fs.fanotify.max_user_groups` groups host-wide (128 for root): a group per live or
/// warm sandbox made every prepare fail with EMFILE past ~100 sandboxes on a host, and closing a
/// group with marks waits for an SRCU grace period. One group per monitor process costs one
/// descriptor and one thread, whatever the number of sandboxes.
///
/// Routing: a workspace mask is an inode of one sandbox (`TrapSet`), so its inode names the
/// sandbox. The host-secret traps are one set of inodes for the whole process
/// (`HostSecretTraps`): the opener's pid namespace (or one of its ancestors, for a namespace the
/// tool made inside) names the sandbox, read while the opener waits for the answer. Every event
/// is refused, routed or not; the violation is posted to its sandbox's mailbox before the answer,
/// so a run that ends after the tool saw EPERM always finds it there.
final class TrapGroup: Sendable {
    /// The group's descriptor, open for the life of the process.
    let fd: Int32

    private struct Route {
        let mailbox: TrapMailbox
        let sandboxPath: String
        let kind: TrapSet.Kind
    }

    private struct Routes {
        var byInode: [TrapSet.Inode: Route] = [:]
        /// Host-secret traps, marked once: the sandbox path each inode stands for.
        var shared: [TrapSet.Inode: String] = [:]
        /// Which `HostSecretTraps` directories are marked (a remade one is marked again).
        var markedShared: Set<TrapSet.Inode> = []
        var byPidNamespace: [UInt64: TrapMailbox] = [:]
    }

    private let routes = Mutex(Routes())

    private static let current = Mutex<TrapGroup?>(nil)

    private init(fd: Int32) {
        self.fd = fd
    }

    /// The process's group, made on first use. nil with errno set when the host has no fanotify
    /// permission events for us (not root in the init user namespace, a kernel without
    /// FANOTIFY_ACCESS_PERMISSIONS, or the user's groups exhausted); a later call tries again.
    static func shared() -> TrapGroup? {
        var failure: Int32 = 0
        let group = current.withLock { current -> TrapGroup? in
            if let current { return current }
            let fd = csb_fanotify_init()
            guard fd >= 0 else {
                failure = errno
                return nil
            }
            let group = TrapGroup(fd: fd)
            guard group.startReader() else {
                failure = errno
                Glibc.close(fd)
                return nil
            }
            current = group
            return group
        }
        if group == nil { errno = failure }
        return group
    }

    /// Marks `traps`' inodes once for the life of the process. Returns false with errno set.
    func markShared(_ traps: HostSecretTraps) -> Bool {
        routes.withLock { routes in
            guard !routes.markedShared.contains(traps.identity) else { return true }
            for (inode, trap) in traps.inodes {
                guard csb_fanotify_mark(fd, trap.hostPath) == 0 else { return false }
                routes.shared[inode] = trap.sandboxPath
            }
            routes.markedShared.insert(traps.identity)
            return true
        }
    }

    /// Marks one sandbox's own trap inodes (at `hostPath`) and routes them, and whatever its pid
    /// namespace opens of the shared traps, to `mailbox`. Returns false with errno set.
    func register(
        _ mailbox: TrapMailbox, pidNamespace: UInt64,
        inodes: [TrapSet.Inode: (hostPath: String, sandboxPath: String, kind: TrapSet.Kind)]
    ) -> Bool {
        // Route before marking: an event can arrive the moment a mark is in place.
        routes.withLock { routes in
            for (inode, trap) in inodes {
                routes.byInode[inode] = Route(mailbox: mailbox, sandboxPath: trap.sandboxPath, kind: trap.kind)
            }
            routes.byPidNamespace[pidNamespace] = mailbox
        }
        for trap in inodes.values where csb_fanotify_mark(fd, trap.hostPath) != 0 {
            let err = errno
            unregister(pidNamespace: pidNamespace, inodes: Array(inodes.keys))
            errno = err
            return false
        }
        return true
    }

    /// Forgets a sandbox that is gone. Its own marks went with its inodes (evictable marks) or
    /// go with the group; nobody can open its traps any more.
    func unregister(pidNamespace: UInt64, inodes: [TrapSet.Inode]) {
        routes.withLock { routes in
            for inode in inodes { routes.byInode[inode] = nil }
            routes.byPidNamespace[pidNamespace] = nil
        }
    }

    /// How many sandboxes the group serves now (tests).
    var registeredSandboxes: Int { routes.withLock { $0.byPidNamespace.count } }

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
            if poll(&p, 1, -1) < 0 { continue }
            let n = events.withUnsafeMutableBufferPointer { csb_fanotify_read(fd, $0.baseAddress!, Int32($0.count)) }
            guard n > 0 else { continue }
            for event in events[0..<Int(n)] {
                if let (mailbox, violation) = route(event) { mailbox.post(violation) }
                if event.fd >= 0 { csb_fanotify_deny(fd, event.fd) }
            }
        }
    }

    private func route(_ event: csb_fan_event) -> (TrapMailbox, Violation)? {
        let inode = TrapSet.Inode(dev: event.dev, ino: event.ino)
        let namespaces = withUnsafeBytes(of: event.pidns) { Array($0.bindMemory(to: UInt64.self)) }
        return routes.withLock { routes -> (TrapMailbox, Violation)? in
            if let own = routes.byInode[inode] {
                return (own.mailbox, Violation(kind: own.kind.rawValue, syscall: "open", path: own.sandboxPath, atMs: Timestamp.nowMs()))
            }
            // A shared trap: whose process opened it. An opener of no sandbox of ours (a host
            // process walking the trap directory) is refused and reported to nobody.
            guard let path = routes.shared[inode] else { return nil }
            var owner: TrapMailbox?
            for namespace in namespaces where namespace != 0 && owner == nil { owner = routes.byPidNamespace[namespace] }
            guard let mailbox = owner else { return nil }
            return (mailbox, Violation(kind: TrapSet.Kind.hostSecret.rawValue, syscall: "open", path: path, atMs: Timestamp.nowMs()))
        }
    }
}

private func trapGroupReader(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let group = Unmanaged<TrapGroup>.fromOpaque(raw!).takeRetainedValue()
    group.readForever()
}

/// Where the reader thread leaves one sandbox's violations, and the descriptor its run loop
/// polls to learn there are some (an eventfd).
final class TrapMailbox: Sendable {
    let wakeFD: Int32
    private let pending = Mutex<[Violation]>([])
    /// The most violations kept between two drains: a tool opening a trap in a loop costs the
    /// monitor bounded memory (each open is still refused).
    static let maxPending = 4096

    init?() {
        let fd = csb_eventfd()
        guard fd >= 0 else { return nil }
        wakeFD = fd
    }

    func post(_ violation: Violation) {
        pending.withLock { pending in
            if pending.count < TrapMailbox.maxPending { pending.append(violation) }
        }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Everything posted since the last drain.
    func drain() -> [Violation] {
        var count: UInt64 = 0
        _ = read(wakeFD, &count, 8)
        return pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
    }

    deinit { Glibc.close(wakeFD) }
}
