import Sandbox
import TestSupport
import Testing

/// `jcs tool run --async` returns once the call is accepted; `jcs tool cancel` kills it and the
/// conversation records it as cancelled.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct AsyncToolCallTests {
    @Test func anAcceptedCallCanBeCancelledAndIsRecordedAsCancelled() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        #expect(fixture.jcs("conversation", "start", "p1", "--id", "c1").status == 0)
        let accepted = fixture.jcs(
            "tool", "run", "p1", "shell.run", "--args", #"{"argv":["sleep","60"]}"#, "--conversation", "c1",
            "--correlation-id", "slow", "--async")
        #expect(accepted.status == 0)
        let callId = try #require(accepted.json["call_id"]?.stringValue)
        #expect(accepted.json["run_mode"]?.stringValue == "async")

        let cancelled = fixture.jcs("tool", "cancel", "p1", "c1", "--correlation-id", "slow")
        #expect(cancelled.json["cancelled"]?.arrayValue?.compactMap(\.stringValue) == [callId])

        let state = fixture.jcs("conversation", "show", "p1", "c1").json
        #expect(state["pending_calls"]?.arrayValue?.isEmpty == true)
        let result = (state["timeline"]?.arrayValue ?? []).last { $0["kind"]?.stringValue == "tool_result" }
        #expect(result?["payload"]?["call_id"]?.stringValue == callId)
        #expect(result?["event"]?.stringValue == "tool.cancelled")
    }

    @Test func anAsyncCallOutsideAConversationIsReadBackOrCancelled() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p2").status == 0)

        // One that finishes: accepted at once, its result read back (the read waits for it).
        let quick = fixture.jcs(
            "tool", "run", "p1", "shell.run", "--args", #"{"argv":["sh","-c","sleep 0.3; echo done"]}"#, "--async",
            "--correlation-id", "bg-1")
        #expect(quick.status == 0)
        #expect(quick.json["run_mode"]?.stringValue == "async")
        // The same answer as a conversation's accepted call, plus the project.
        #expect(quick.json["accepted_at"]?.stringValue != nil && quick.json["project_id"] == "p1", "\(quick.json)")
        let quickId = try #require(quick.json["call_id"]?.stringValue)
        let result = fixture.jcs("tool", "result", "p1", quickId)
        #expect(result.json["status"]?.stringValue == "completed", "\(result.json)")
        #expect(result.json["output"]?["stdout"]?.stringValue == "done\n")
        #expect(result.json["correlation_id"]?.stringValue == "bg-1")
        // A call is reachable only through the project it was started in.
        #expect(fixture.jcs("tool", "result", "p2", quickId).json["error"]?.stringValue == "unknown_call")

        // One that would run for a minute: cancelled, its sandbox killed, the result says so.
        let slow = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sleep","60"]}"#, "--async")
        let slowId = try #require(slow.json["call_id"]?.stringValue)
        let cancelled = fixture.jcs("tool", "cancel", "p1", "--call", slowId)
        #expect(cancelled.json["status"]?.stringValue == "cancelled", "\(cancelled.json)")
        #expect(fixture.jcs("tool", "result", "p1", slowId).json["status"]?.stringValue == "cancelled")

        // Stopping the project cancels what it still runs.
        // A marker no other test uses; cmdline's arguments are NUL-separated.
        let orphan = fixture.jcs("tool", "run", "p2", "shell.run", "--args", #"{"argv":["sleep","61.25"]}"#, "--async")
        #expect(orphan.status == 0)
        #expect(fixture.jcs("project", "stop", "p2").status == 0)
        #expect(hostProcesses(containing: "sleep\u{0}61.25").isEmpty, "a sandboxed sleep outlived its project")
        #expect(fixture.jcs("tool", "result", "p9", "nope").status == 1)
    }
}
