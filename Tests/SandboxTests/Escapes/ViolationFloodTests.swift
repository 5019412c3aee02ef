#if canImport(Glibc)
import Glibc
#endif
@testable import Sandbox
import TestSupport
import Testing

/// A tool that repeats a denied syscall in a loop. The kernel still refuses every attempt (each
/// waits for the monitor's answer, so nothing queues in the kernel), but the monitor used to keep
/// one record per attempt and the coordinator one event and one journal row: 200,000 `bpf` calls
/// made 200,000 records and 250 MB in `jcs sandbox run`. Now a run records
/// `maxRecordedViolations` one by one and counts the rest in one `violations_suppressed` record;
/// a limit that fires afterwards is still recorded.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct ViolationFloodTests {
    @Test func aFloodOfDeniedSyscallsIsAnsweredEveryTimeAndRecordedBounded() throws {
        let h = try SandboxHarness { $0.limits.maxOutputBytes = 4096 }
        let attempts = 5000
        var streamed: [Violation] = []
        let r = try h.run(
            [
                "/usr/bin/python3", "-c",
                """
                import ctypes, sys
                libc = ctypes.CDLL(None, use_errno=True)
                refused = 0
                for _ in range(\(attempts)):
                    if libc.syscall(321, 0, 0, 0) < 0 and ctypes.get_errno() == 1:  # bpf -> EPERM
                        refused += 1
                sys.stderr.write("refused %d\\n" % refused); sys.stderr.flush()
                sys.stdout.write("x" * 100000); sys.stdout.flush()  # past the output cap: a limit after the flood
                """,
            ],
            onViolation: { streamed.append($0) })
        // The kernel's answer: every attempt refused.
        #expect(r.err.hasPrefix("refused \(attempts)\n"), "\(r.err)")
        // The record: the cap, one summary with the count of the rest, and the limit that fired after.
        let denied = r.violations(kind: "syscall_denied")
        #expect(denied.count == RunLoop.maxRecordedViolations, "\(denied.count) recorded")
        #expect(denied.allSatisfy { $0.syscall == "bpf" })
        let summary = r.violations(kind: "violations_suppressed")
        #expect(summary.count == 1 && summary.first?.args == [UInt64(attempts - RunLoop.maxRecordedViolations)], "\(summary)")
        #expect(summary.first?.limit == "violations_per_run")
        #expect(r.limitFired == .output && r.violations(kind: "limit_exceeded").map(\.limit) == ["output"], "\(r.violations.suffix(3))")
        // What streamed to the caller (the coordinator's events): as bounded.
        #expect(streamed.count == RunLoop.maxRecordedViolations + 2, "\(streamed.count) streamed")
        #expect(streamed.filter { $0.kind == "violations_suppressed" }.count == 1)
    }
}
