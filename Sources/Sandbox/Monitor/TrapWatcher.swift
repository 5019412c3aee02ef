#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The monitor's fanotify group over one sandbox's trap inodes: every open of a trap waits for
/// the monitor, which refuses it (the tool sees EPERM) and records a violation with the sandbox
/// path the inode stands for.
///
/// Marked only after READY: until the run message the sandbox runs nothing of the tool's, and a
/// permission event that no loop answers would hold its opener. The run loop polls `fd`.
final class TrapWatcher {
    let fd: OwnedFD
    private let inodes: [TrapSet.Inode: (sandboxPath: String, kind: TrapSet.Kind)]
    /// Host-secret traps that stand for sockets (`docker.sock`): a connect is not an open, so the
    /// run loop asks here when the seccomp notification of a unix connect names one.
    private let socketPaths: Set<String>

    /// nil with errno set when the host has no fanotify permission events for us (not root in the
    /// init user namespace, or a kernel without FANOTIFY_ACCESS_PERMISSIONS).
    init?(traps: TrapSet) {
        let group = csb_fanotify_init()
        guard group >= 0 else { return nil }
        fd = OwnedFD(group)
        var inodes: [TrapSet.Inode: (sandboxPath: String, kind: TrapSet.Kind)] = [:]
        for (inode, trap) in traps.inodes {
            guard csb_fanotify_mark(group, trap.hostPath) == 0 else { return nil }
            inodes[inode] = (trap.sandboxPath, trap.kind)
        }
        self.inodes = inodes
        socketPaths = Set(inodes.values.filter { $0.kind == .hostSecret && $0.sandboxPath.hasSuffix(".sock") }.map(\.sandboxPath))
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

    /// Lets the group go without waiting for the kernel's grace period (`csb_close_detached`):
    /// once the sandbox is reaped nobody can open a trap any more.
    func release() {
        guard fd.isOpen else { return }
        csb_close_detached(fd.take())
    }

    deinit { release() }

    /// Answers every pending event (always FAN_DENY) and returns what they were.
    func drain() -> [Violation] {
        var events = [csb_fan_event](repeating: csb_fan_event(), count: 64)
        var violations: [Violation] = []
        while true {
            let n = events.withUnsafeMutableBufferPointer { csb_fanotify_deny_pending(fd.raw, $0.baseAddress!, Int32($0.count)) }
            guard n > 0 else { break }
            for event in events[0..<Int(n)] {
                // An inode we did not make cannot be marked by this group; say so rather than drop it.
                let trap = inodes[TrapSet.Inode(dev: event.dev, ino: event.ino)]
                violations.append(
                    Violation(
                        kind: trap?.kind.rawValue ?? TrapSet.Kind.hostSecret.rawValue, syscall: "open",
                        path: trap?.sandboxPath ?? "inode \(event.ino)", atMs: Timestamp.nowMs()))
            }
        }
        return violations
    }
}

extension Sandbox {
    /// Waits for the helpers that close trap groups off the result's path. A process that runs
    /// sandboxes and is about to exit calls it once its results are out, so that no helper is left
    /// for init to reap (an init that never reaps would collect one zombie per sandbox).
    public static func finishDetachedTeardown() {
        csb_wait_closers()
    }
}

