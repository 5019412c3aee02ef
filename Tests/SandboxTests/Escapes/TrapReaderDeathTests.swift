#if canImport(Glibc)
import Glibc
#endif
@testable import Sandbox
import TestSupport
import Testing

/// A reader of the host's trap group that dies in its turn, after reading an open and before
/// answering it. The kernel matches answers to events by descriptor number alone: left alone,
/// the opener would wait until its call's timeout, and the next event read under the same
/// number would have its answer taken by the orphan. The rogue here is a second process that
/// joins the group the way a monitor does (`pidfd_getfd` of a holder's descriptor), takes the
/// readers' lock, reads our sandbox's open into the shared page, and exits without answering.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct TrapReaderDeathTests {
    /// Answers other sandboxes' events as a live reader would (so other suites running now lose
    /// nothing) and dies holding the first one opened from the pid namespace it is given.
    private static let rogue = #"""
        import fcntl, mmap, os, select, socket, struct, sys, time
        import ctypes
        holder, theirs, ours, turns, ready, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
        libc = ctypes.CDLL(None, use_errno=True)
        group = libc.syscall(438, os.pidfd_open(holder), theirs, 0)  # pidfd_getfd
        if group < 0:
            sys.exit(3)
        lock = os.open(turns, os.O_RDWR)
        fcntl.flock(lock, fcntl.LOCK_EX)
        page = mmap.mmap(lock, 8192)
        sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        open(ready, "w").close()

        def namespaces(pid):
            chain, fd = [], os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY)
            for _ in range(4):
                chain.append(os.fstat(fd).st_ino)
                try:
                    parent = fcntl.ioctl(fd, 0xB702)  # NS_GET_PARENT
                except OSError:
                    break
                os.close(fd)
                fd = parent
            os.close(fd)
            return chain

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not select.select([group], [], [], 1)[0]:
                continue
            page[4096:8192] = bytes(4096)
            page[0:4] = struct.pack("<I", 1)
            # One event (24 bytes) at a time, into the shared page, as the readers do.
            if os.readv(group, [memoryview(page)[4096:4120]]) < 24:
                page[0:4] = struct.pack("<I", 0)
                continue
            fd, pid = struct.unpack_from("<ii", page, 4096 + 16)
            chain = namespaces(pid)
            if ours in chain:
                open(out, "w").write("orphaned\n")
                os._exit(0)  # the open stays unanswered, the phase set, the lock released
            st = os.fstat(fd)
            for ns in chain:
                try:
                    sender.sendto(struct.pack("<QQ", st.st_dev, st.st_ino), f"/run/jcs-traps/mailboxes/{ns}")
                    break
                except OSError:
                    pass
            os.write(group, struct.pack("<iI", fd, 2))  # FAN_DENY
            os.close(fd)
            page[0:4] = struct.pack("<I", 0)
        sys.exit(4)
        """#

    @Test func anOpenLeftByADeadReaderIsRefusedAndReportedAndLaterAnswersAreNotShifted() throws {
        let group = try #require(TrapGroup.shared())
        let h = try SandboxHarness { $0.limits.timeoutMs = 20_000 }
        let filter = try SeccompProgram(profile: h.profile)
        let sandbox = try Sandbox.prepare(profile: h.profile, root: h.project.path, filter: { filter })
        var st = stat()
        #expect(stat("/proc/\(sandbox.pid)/ns/pid", &st) == 0)
        let scratch = TempDirectory(prefix: "jcs-rogue")
        scratch.write("rogue.py", Self.rogue)
        let ready = scratch.file("ready")
        let verdict = scratch.file("verdict")
        let argv = ["/usr/bin/python3", scratch.file("rogue.py"), "\(getpid())", "\(group.fd)", "\(st.st_ino)", group.turnPath, ready, verdict]
        var pid: pid_t = 0
        let cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        #expect(posix_spawn(&pid, argv[0], nil, nil, cargs, environ) == 0)
        for _ in 0..<1000 where access(ready, F_OK) != 0 { usleep(10_000) }
        #expect(access(ready, F_OK) == 0, "the rogue reader did not take the lock")

        let r = try sandbox.run(RunRequest(argv: ["/bin/sh", "-c", "cat /etc/shadow; echo end"]))
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        // The rogue really held our open when it died: otherwise this test proves nothing.
        #expect(status == 0 && POSIX.readFile(verdict) == "orphaned\n", "rogue status \(status)")
        #expect(r.out == "end\n", "\(r.out) \(r.err)")
        #expect(r.err.contains("Operation not permitted"), "\(r.err)")
        #expect(r.violations(kind: "limit_exceeded").isEmpty, "the open waited for the call's timeout: \(r.violations)")
        // Reported without a path: the trap's inode went with the dead reader's descriptor.
        let reported = r.violations(kind: "sandbox_violation")
        #expect(reported.count == 1 && reported.first?.path == nil && reported.first?.syscall == "open", "\(r.violations)")

        // The next opens are answered at once and each reaches its own sandbox with its path.
        for path in ["/etc/gshadow", "/etc/shadow"] {
            let next = try h.sh("cat \(path); echo end")
            #expect(next.out == "end\n")
            #expect(next.violations(kind: "sandbox_violation").compactMap(\.path) == [path], "\(next.violations)")
            #expect(next.violations(kind: "limit_exceeded").isEmpty)
        }
    }
}
