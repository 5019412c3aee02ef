#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// The coordinator as the reader of a violation flood: a `shell.run` that repeats a denied
/// syscall thousands of times. Every attempt is refused in the kernel; the call's result carries
/// the first 1024 records and one `violations_suppressed` with the count of the rest (it used to
/// carry one record per attempt, as many events, and as many journal rows), and the daemon keeps
/// answering other requests.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ViolationFloodDaemonTests {
    @Test func aFloodOfDeniedSyscallsIsBoundedInTheCallsResultAndTheDaemonStaysResponsive() throws {
        let fixture = try DaemonFixture()
        let start = fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1")
        guard start.status == 0 else { throw DaemonProcess.Failure(description: "project start: \(start.json)") }
        let attempts = 4000
        let script = """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            refused = sum(1 for _ in range(\(attempts)) if libc.syscall(321, 0, 0, 0) < 0 and ctypes.get_errno() == 1)
            print("refused", refused)
            """
        let arguments = JSONValue.object(["argv": .array([.string("python3"), .string("-c"), .string(script)])])
        let call = fixture.jcs(
            "tool", "run", "p1", "shell.run", "--args", arguments.description, "--correlation-id", "flood")
        #expect(call.status == 0, "\(call.json) \(call.stderr)")
        // The kernel refused every attempt.
        #expect(call.json["output"]?["stdout"]?.stringValue == "refused \(attempts)\n", "\(call.json["output"] ?? .null)")
        let violations = call.json["violations"]?.arrayValue ?? []
        let denied = violations.filter { $0["kind"]?.stringValue == "syscall_denied" }
        let suppressed = violations.filter { $0["kind"]?.stringValue == "violations_suppressed" }
        #expect(denied.count == 1024, "\(denied.count) syscall_denied records in the result")
        #expect(suppressed.count == 1, "\(suppressed)")
        #expect(suppressed.first?["args"]?.arrayValue?.first?.intValue == attempts - 1024, "\(suppressed)")
        // The daemon still answers, with the project healthy.
        let diagnostics = fixture.jcs("diagnostics", "p1")
        #expect(diagnostics.status == 0, "\(diagnostics.json) \(diagnostics.stderr)")
    }
}
