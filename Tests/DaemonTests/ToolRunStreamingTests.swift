#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 13, item 6 end to end: `jcs tool run` names the call as it starts, streams the
/// program's output as it is produced, and Ctrl-C cancels the call: the sandbox is gone and what
/// the program would have done later never happens.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ToolRunStreamingTests {
    @Test func outputArrivesAsItIsProduced() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let run = try BackgroundJCS(
            fixture, ["tool", "run", "p1", "shell.run", "--args", #"{"script":"for i in 1 2 3 4; do echo tick $i; sleep 0.7; done"}"#])
        // The call id on stderr before any output.
        try run.wait(until: { $0.err.contains("jcs: call call-") && $0.err.contains("started") }, seconds: 10)
        try run.wait(until: { $0.out.contains("tick 1\n") }, seconds: 10)
        let early = run.output()
        #expect(!early.out.contains("tick 4"), "all output arrived at once: \(early.out)")
        let status = run.finish()
        #expect(status == 0)
        #expect(run.output().out == "tick 1\ntick 2\ntick 3\ntick 4\n")
        #expect(run.output().err.contains("jcs: completed call-") && run.output().err.contains("(exit 0)"))
    }

    @Test func ctrlCCancelsTheCallAndKillsItsSandbox() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        // A marker no other test uses, to find the sandbox's processes on the host.
        let script = "echo started; sleep 6.173; echo late > late.txt"
        let run = try BackgroundJCS(fixture, ["tool", "run", "p1", "shell.run", "--args", #"{"script":"\#(script)"}"#])
        try run.wait(until: { $0.out.contains("started\n") }, seconds: 15)
        #expect(!hostProcesses(containing: "6.173").isEmpty, "the sleep should be running in the sandbox")
        kill(run.pid, SIGINT)
        let status = run.finish()
        #expect(status == 130, "\(run.output().err)")
        #expect(run.output().err.contains("jcs: cancelled call-"), "\(run.output().err)")
        #expect(hostProcesses(containing: "6.173").isEmpty, "the sandbox outlived the cancel")
        let events = fixture.jcs("events", "p1").json["events"]?.arrayValue ?? []
        #expect(events.contains { $0["name"] == "tool.cancelled" || $0["event"] == "tool.cancelled" }, "\(events)")
        // Past the moment the program would have written: nothing.
        var pause = timespec(tv_sec: 7, tv_nsec: 0)
        nanosleep(&pause, nil)
        #expect(readTextFile(fixture.projectRoot + "/late.txt") == nil)
    }

    @Test func aSecondCtrlCStopsWaitingAndSaysHowToCancel() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let run = try BackgroundJCS(fixture, ["tool", "run", "p1", "shell.run", "--args", #"{"script":"echo up; sleep 30"}"#])
        try run.wait(until: { $0.out.contains("up\n") }, seconds: 15)
        // SIGTERM then SIGINT back to back: the second arrives before the cancelled result can.
        kill(run.pid, SIGTERM)
        kill(run.pid, SIGINT)
        let status = run.finish()
        #expect(status == 130)
        let err = run.output().err
        #expect(err.contains("jcs: cancelling the call") || err.contains("jcs: cancelled call-"), "\(err)")
    }
}

/// `jcs ARGS --socket S` running in the background, its stdout and stderr in files the test
/// polls.
final class BackgroundJCS {
    let pid: pid_t
    private let outPath: String
    private let errPath: String
    private var reaped: Int32?

    init(_ fixture: DaemonFixture, _ args: [String]) throws {
        outPath = fixture.directory.file("bg-\(UInt32.random(in: 0...UInt32.max)).out")
        errPath = outPath + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = [BuiltProducts.path("jcs")] + args + ["--socket", fixture.daemon.socketPath]
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, argv[0], &actions, nil, cargs, environ) == 0 else {
            throw DaemonProcess.Failure(description: "spawn jcs failed")
        }
        pid = child
    }

    func output() -> (out: String, err: String) {
        (readTextFile(outPath) ?? "", readTextFile(errPath) ?? "")
    }

    /// Polls until `condition` holds, or throws after `seconds`.
    func wait(until condition: ((out: String, err: String)) -> Bool, seconds: Int) throws {
        for _ in 0..<(seconds * 50) {
            if condition(output()) { return }
            var pause = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&pause, nil)
        }
        throw DaemonProcess.Failure(description: "timed out; so far: \(output())")
    }

    /// Waits for the exit (bounded: SIGKILL after 30 s) and returns the status as a shell shows it.
    func finish() -> Int32 {
        if let reaped { return reaped }
        var status: Int32 = 0
        for _ in 0..<1500 {
            if waitpid(pid, &status, WNOHANG) == pid {
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                reaped = code
                return code
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&pause, nil)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = -1
        return -1
    }

    deinit {
        if reaped == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        unlink(outPath)
        unlink(errPath)
    }
}
