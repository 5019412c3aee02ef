#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// One sandbox's share of the process's fanotify group (`TrapGroup`): its mask inodes and its pid
/// namespace routed to a mailbox of its own, which the run loop polls (`wakeFD`). Every open of
/// a trap waits for the group's reader, which refuses it (the tool sees EPERM) and posts a
/// violation with the sandbox path the inode stands for.
///
/// Registered only after READY, when the sandbox's pid namespace exists and the masks are
/// mounted; until the run message the sandbox runs nothing of the tool's.
final class TrapWatcher {
    private let group: TrapGroup
    private let mailbox: TrapMailbox
    private let pidNamespace: UInt64
    private let inodes: [TrapSet.Inode]
    private var registered = true
    /// Host-secret traps that stand for sockets (`docker.sock`): a connect is not an open, so the
    /// run loop asks here when the seccomp notification of a unix connect names one.
    private let socketPaths: Set<String>

    /// The descriptor the run loop polls: readable when violations wait in the mailbox.
    var wakeFD: Int32 { mailbox.wakeFD }

    /// nil with errno set when the host has no fanotify permission events for us (not root in
    /// the init user namespace, or a kernel without FANOTIFY_ACCESS_PERMISSIONS).
    init?(traps: TrapSet, sandboxPid: pid_t) {
        var st = stat()
        guard let group = TrapGroup.shared(), let mailbox = TrapMailbox(),
            stat("/proc/\(sandboxPid)/ns/pid", &st) == 0
        else { return nil }
        if let shared = traps.hostSecrets {
            guard group.markShared(shared) else { return nil }
        }
        self.group = group
        self.mailbox = mailbox
        pidNamespace = UInt64(st.st_ino)
        inodes = Array(traps.inodes.keys)
        guard group.register(mailbox, pidNamespace: pidNamespace, inodes: traps.inodes) else {
            registered = false
            return nil
        }
        let hostPaths = traps.hostSecrets.map { $0.inodes.values.map(\.sandboxPath) } ?? []
        socketPaths = Set(hostPaths.filter { $0.hasSuffix(".sock") })
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

    /// Takes the sandbox out of the group's routes once it is reaped: nobody can open its traps
    /// any more, and its pid namespace's number may be given to another.
    func release() {
        guard registered else { return }
        registered = false
        group.unregister(pidNamespace: pidNamespace, inodes: inodes)
    }

    deinit { release() }

    /// Every violation the group's reader posted for this sandbox since the last drain.
    func drain() -> [Violation] { mailbox.drain() }
}

extension Sandbox {
    /// Waits for the helpers that release sandboxes' namespaces off the result's path. A process that runs
    /// sandboxes and is about to exit calls it once its results are out, so that no helper is left
    /// for init to reap (an init that never reaps would collect one zombie per sandbox).
    public static func finishDetachedTeardown() {
        csb_wait_closers()
    }
}

