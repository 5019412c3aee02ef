#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Syscalls that reach kernel attack surface or the monitor: each is refused by the filter with
/// its errno, and the monitor records the attempt with the syscall's name.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct KernelSurfaceTests {
    /// Runs one probe attempt: the kernel must answer `errno`, and the monitor must have recorded
    /// a violation of `kind` naming `syscall`.
    private func deny(_ cmd: String, _ arg: String = "", errno expected: Int32 = EPERM, kind: String = "syscall_denied",
                      syscall: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let h = try SandboxHarness()
        let result = try h.probe(cmd, arg)
        #expect(result.out == "\(cmd) errno=\(expected)\n", "kernel answer: \(result.out)\(result.err)", sourceLocation: sourceLocation)
        let matching = result.violations(kind: kind).filter { $0.syscall == syscall }
        #expect(matching.count >= 1, "no \(kind) violation for \(syscall): \(result.violations)", sourceLocation: sourceLocation)
    }

    @Test func ptraceIsDeniedAndReported() throws {
        try deny("ptrace-traceme", syscall: "ptrace")
        try deny("ptrace-attach", "1", syscall: "ptrace")
        // The monitor's host pid: not even visible in the sandbox, and refused before the
        // kernel would look it up.
        try deny("ptrace-attach", String(getpid()), syscall: "ptrace")
    }

    @Test func mountIsDeniedAndReported() throws { try deny("mount", syscall: "mount") }

    @Test func nestedNamespacesAreDeniedAndReported() throws {
        try deny("unshare-user", kind: "namespace_denied", syscall: "unshare")
        try deny("unshare-net", kind: "namespace_denied", syscall: "unshare")
        try deny("clone-newuser", kind: "namespace_denied", syscall: "clone")
    }

    @Test func clone3FallsBackSilentlySoOrdinaryForksStillWork() throws {
        let h = try SandboxHarness()
        let r = try h.probe("clone3")
        #expect(r.out == "clone3 errno=\(ENOSYS)\n")
        #expect(r.violations.isEmpty)
        let forks = try h.sh("(echo child) & wait; echo parent")
        #expect(forks.out == "child\nparent\n")
    }

    @Test func keyringsAreDeniedAndReported() throws {
        try deny("keyctl", syscall: "keyctl")
        try deny("add_key", syscall: "add_key")
    }

    @Test func bpfIsDeniedAndReported() throws { try deny("bpf", syscall: "bpf") }

    @Test func ioUringIsDeniedAndReported() throws { try deny("io_uring", syscall: "io_uring_setup") }

    @Test func perfAndUserfaultfdAreDeniedAndReported() throws {
        try deny("perf_event_open", syscall: "perf_event_open")
        try deny("userfaultfd", syscall: "userfaultfd")
    }

    @Test func tiocstiIsDeniedEvenWithJunkInTheUpperBits() throws {
        try deny("tiocsti", syscall: "ioctl")
        try deny("tiocsti-high-bits", syscall: "ioctl")
        try deny("tioclinux", syscall: "ioctl")
    }

    @Test func dangerousPersonalityFlagsAreDenied() throws { try deny("personality", syscall: "personality") }

    @Test func foreignABISyscallsKillTheTool() throws {
        let h = try SandboxHarness()
        let r = try h.probe("x32")
        #expect(r.signal == Int(SIGSYS))
        #expect(!r.violations(kind: "syscall_killed").isEmpty)
    }

    @Test func capabilitiesAreGoneAndNoNewPrivsIsSet() throws {
        let h = try SandboxHarness()
        let r = try h.probe("ids")
        for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            #expect(r.out.contains("\(set):\t0000000000000000"), "\(set) not empty: \(r.out)")
        }
        #expect(r.out.contains("NoNewPrivs:\t1"))
        #expect(r.out.contains("Seccomp:\t2"))
    }

    @Test func setuidBinariesGainNothing() throws {
        let h = try SandboxHarness()
        _ = try h.probe("ids")  // installs the probe
        let copy = h.project.file("suid-probe")
        #expect(system2(["/bin/cp", h.project.file(".probe"), copy]) == 0)
        chmod(copy, 0o4755)
        let r = try h.run(["/workspace/suid-probe", "ids"])
        #expect(r.out.contains("CapEff:\t0000000000000000"))
        #expect(r.out.contains("CapPrm:\t0000000000000000"))
        // A real setuid-root binary of the host, too.
        let su = try h.sh("/usr/bin/su -c id nobody 2>&1; echo rc=$?")
        #expect(!su.out.contains("rc=0"))
    }

    @Test func inheritedDescriptorsAreClosed() throws {
        // A descriptor this process holds without close-on-exec must not reach the tool.
        let leaked = open("/etc/hostname", O_RDONLY)
        defer { close(leaked) }
        let h = try SandboxHarness()
        let r = try h.probe("fds")
        #expect(r.out == "fds 0 1 2\n", "unexpected descriptors: \(r.out)")
    }
}
