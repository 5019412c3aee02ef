import Sandbox
import Testing

@testable import CodeServer

struct DiagnosticsTests {
    @Test func documentHasHealthTelemetryAndTheOwnersSections() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emitRecorded(EventSamples.event(.toolCompleted, at: 1))
        try hub.emitRecorded(EventSamples.event(.toolFailed, at: 2, with: ["message": "Bearer abc123DEF456ghi789jkl"]))
        let json = Diagnostics(runtimeOptions: ["tool_timeout_ms": 30_000]).json(project: "p1", hub: hub)
        #expect(json["project_id"] == "p1")
        #expect(json["health"]?["status"] == "degraded")
        #expect(json["runtime_opts"]?["tool_timeout_ms"] == 30_000)
        #expect(json["assets"] == .null)
        #expect(json["telemetry"]?["event_counts"] == ["tool.completed": 1, "tool.failed": 1])
        #expect(json["telemetry"]?["recent_errors"]?.arrayValue?.count == 1)
        #expect(json["telemetry"]?["recent_errors"]?[0]?["payload"]?["message"]?.stringValue?.contains("abc123DEF456ghi789jkl") == false)
        #expect(json["telemetry"]?["recent_events"]?.arrayValue?.map { $0["event"] } == ["tool.completed", "tool.failed"])
        #expect(json["telemetry"]?["dropped"]?["recent_events"] == 0)
        // The whole document is valid JSON that round-trips.
        #expect(try JSONParser.parse(JSONWriter.text(json, style: .canonical)) == json)
    }

    @Test func anUnknownProjectIsHealthyAndEmpty() {
        let json = Diagnostics().json(project: "nope", hub: TelemetryHub(clock: ManualClock()))
        #expect(json["health"]?["status"] == "ok")
        #expect(json["telemetry"]?["event_counts"] == [:])
        #expect(json["telemetry"]?["recent_events"] == [])
    }
}
