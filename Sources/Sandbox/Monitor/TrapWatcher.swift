#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// One sandbox's share of the host's trap group (`TrapGroup`): its traps marked in the group and
/// a mailbox named after its pid namespace, which the run loop polls (`wakeFD`). Every open of a
/// trap waits for a reader of the group, which refuses it (the tool sees EPERM) after leaving the
/// trap's inode in the mailbox of the sandbox that tried; here the inode becomes the sandbox path
/// it stands for.
///
/// Made only after READY, when the sandbox's pid namespace exists and its masks are mounted;
/// until the run message the sandbox runs nothing of the tool's.
final class TrapWatcher {
    private let mailbox: TrapMailbox
    private let paths: [TrapSet.Inode: (sandboxPath: String, kind: TrapSet.Kind)]
    /// Host-secret traps that stand for sockets (`docker.sock`): a connect is not an open, so the
    /// run loop asks here when the seccomp notification of a unix connect names one.
    private let socketPaths: Set<String>

    /// The descriptor the run loop polls: readable when records wait in the mailbox.
    var wakeFD: Int32 { mailbox.socket.raw }

    /// nil with errno set when the host has no fanotify permission events for us (not root in
    /// the init user namespace, or a kernel without FANOTIFY_ACCESS_PERMISSIONS).
    init?(traps: TrapSet, sandboxPid: pid_t) {
        var st = stat()
        guard let group = TrapGroup.shared(), stat("/proc/\(sandboxPid)/ns/pid", &st) == 0,
            let mailbox = TrapMailbox(pidNamespace: UInt64(st.st_ino))
        else { return nil }
        group.sweepMailboxes()
        var paths: [TrapSet.Inode: (sandboxPath: String, kind: TrapSet.Kind)] = [:]
        if let shared = traps.hostSecrets {
            guard group.markShared(shared) else { return nil }
            for (inode, trap) in shared.inodes { paths[inode] = (trap.sandboxPath, .hostSecret) }
        }
        // The mailbox is bound first: an event can arrive the moment a mark is in place.
        for (inode, trap) in traps.inodes {
            guard group.mark(trap.hostPath) else { return nil }
            paths[inode] = (trap.sandboxPath, trap.kind)
        }
        self.mailbox = mailbox
        self.paths = paths
        socketPaths = Set(paths.values.filter { $0.kind == .hostSecret && $0.sandboxPath.hasSuffix(".sock") }.map(\.sandboxPath))
    }

    /// The trap an absolute unix socket path names, compared lexically (`.` and `..` applied).
    /// Evidence only: the tool may rewrite the address after the monitor read it, and a relative
    /// path is not resolved; the trap is a regular file, so the kernel refuses the connect
    /// (`ECONNREFUSED`) whatever the monitor saw.
    func socketTrap(_ path: String) -> String? {
        guard !socketPaths.isEmpty, path.hasPrefix("/") else { return nil }
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        let normal = "/" + parts.joined(separator: "/")
        return socketPaths.contains(normal) ? normal : nil
    }

    /// Unbinds the mailbox once the sandbox is reaped: nobody can open its traps any more, and
    /// its pid namespace's number may be given to another sandbox. Its marks go with its inodes
    /// (evictable marks).
    func release() { mailbox.close() }

    deinit { release() }

    /// Every refused open since the last drain, as the violation it is.
    func drain() -> [Violation] {
        mailbox.drain().map { inode in
            // A refused open whose reader died before naming the trap: reported without a path
            // rather than lost.
            if inode == TrapGroup.unnamed {
                return Violation(kind: TrapSet.Kind.hostSecret.rawValue, syscall: "open", path: nil, atMs: Timestamp.nowMs())
            }
            // An inode of no trap of ours cannot reach this mailbox but through our pid
            // namespace; say so rather than drop it.
            let trap = paths[inode]
            return Violation(
                kind: trap?.kind.rawValue ?? TrapSet.Kind.hostSecret.rawValue, syscall: "open",
                path: trap?.sandboxPath ?? "inode \(inode.ino)", atMs: Timestamp.nowMs())
        }
    }
}

extension TrapWatcher {
    /// A watcher made on a thread of its own while the sandbox builds its root (`OffThread`), or
    /// the errno of why there is none. Handed to the preparing thread by the join, which orders
    /// every access: the watcher is used by one thread at a time.
    struct Start: @unchecked Sendable {
        let watcher: TrapWatcher?
        let errno: Int32

        init(traps: TrapSet, sandboxPid: pid_t) {
            watcher = TrapWatcher(traps: traps, sandboxPid: sandboxPid)
            errno = watcher == nil ? Glibc.errno : 0
        }
    }
}

extension Sandbox {
    /// Waits for the helpers that release sandboxes' namespaces off the result's path, and for
    /// the killed holders of idmap namespaces (`OwnerIdmap`). A process that runs sandboxes and
    /// is about to exit calls it once its results are out, so that no helper is left for init to
    /// reap (an init that never reaps would collect one zombie per sandbox).
    public static func finishDetachedTeardown() {
        csb_wait_closers()
        csb_wait_namespace_helpers()
    }
}

