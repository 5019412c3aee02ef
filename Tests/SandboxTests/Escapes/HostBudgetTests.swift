#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Sandbox
import TestSupport
import Testing

/// Kernel objects a tool creates that the kernel charges to the host's root as well: the sandbox's
/// user namespace is created by the (root) monitor, and an inotify instance or a fanotify group
/// counts against every owner up the namespace chain. Uncapped, one tool held all 128 of root's
/// inotify instances and fanotify groups for as long as it ran, and every root process on the
/// host (the coordinator's asset watcher, a new worker joining the trap group, systemd) got
/// EMFILE. The sandbox's namespace now has its own small caps (`child/ucounts.c`).
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct HostBudgetTests {
    /// Takes every inotify instance and fanotify group it can, says how many, creates `holding`
    /// in the workspace and keeps them until `release` appears (or 20 s pass).
    static let hoard = """
        import ctypes, errno, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        def take(make):
            n = 0
            while n < 1000:
                if make() < 0:
                    return n, errno.errorcode[ctypes.get_errno()]
                n += 1
            return n, "none"
        ino = take(lambda: libc.inotify_init1(0))
        fan = take(lambda: libc.fanotify_init(0x200, 0))  # FAN_REPORT_FID: what an unprivileged caller may ask
        print("inotify", *ino, "fanotify", *fan, flush=True)
        open("holding", "w").close()
        for _ in range(2000):
            if os.path.exists("release"):
                break
            time.sleep(0.01)
        """

    @Test func aToolCannotTakeRootsInotifyInstancesOrFanotifyGroups() throws {
        let h = try SandboxHarness()
        let tool = OffThread { () throws(SandboxError) -> SandboxResult in
            do {
                return try h.run(["/usr/bin/python3", "-c", Self.hoard])
            } catch let error as SandboxError {
                throw error
            } catch {
                throw .protocolViolation(reason: "\(error)")
            }
        }
        var waited = 0
        while access(h.project.file("holding"), F_OK) != 0 && waited < 20_000 {
            usleep(10_000)
            waited += 10
        }
        #expect(waited < 20_000, "the tool never said it holds its instances")
        // While the tool holds all it could get, the host's root still gets its own.
        let inotify = inotify_init1(Int32(IN_CLOEXEC))
        let inotifyErrno = errno
        let fanotify = csb_fanotify_init()  // the group the trap watcher makes
        let fanotifyErrno = errno
        if inotify >= 0 { close(inotify) }
        if fanotify >= 0 { close(fanotify) }
        _ = creat(h.project.file("release"), 0o644)
        let r = try tool.value()
        #expect(inotify >= 0, "root's inotify_init1 failed while a tool held its maximum: errno \(inotifyErrno)")
        #expect(fanotify >= 0, "root's fanotify_init failed while a tool held its maximum: errno \(fanotifyErrno)")
        // The kernel's answer to the tool: a handful of inotify instances, then EMFILE; no fanotify group at all.
        let words = r.out.split(separator: "\n").first?.split(separator: " ").map(String.init) ?? []
        #expect(words.count == 6, "\(r.out) \(r.err)")
        if words.count == 6 {
            #expect(Int(words[1]) == 8 && words[2] == "EMFILE", "inotify: \(r.out)")
            #expect(Int(words[4]) == 0 && words[5] == "EMFILE", "fanotify: \(r.out)")
        }
    }

    @Test func theCapsAreTheNamespacesOwnAndTheToolCannotRaiseThem() throws {
        let h = try SandboxHarness()
        let r = try h.sh(
            """
            cat /proc/sys/user/max_inotify_instances /proc/sys/user/max_inotify_watches \
                /proc/sys/user/max_fanotify_groups /proc/sys/user/max_fanotify_marks
            if (echo 1000 > /proc/sys/user/max_inotify_instances) 2>/dev/null; then echo raised; else echo refused; fi
            cat /proc/sys/user/max_inotify_instances
            """)
        #expect(r.out == "8\n8192\n0\n0\nrefused\n8\n", "\(r.out) \(r.err)")
        // The host's own limits are untouched.
        #expect(try readSysctl("/proc/sys/user/max_inotify_instances") != "8")
    }

    private func readSysctl(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters() : ""
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
