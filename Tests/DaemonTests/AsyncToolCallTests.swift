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
        #expect(result?["payload"]?["status"]?.stringValue == "cancelled")
    }
}
