import Sandbox
import Testing

@testable import CodeServer

struct RuntimeEventRecorderTests {
    @Test func recorderIsBoundedAndCountsWhatItDropped() {
        let recorder = RuntimeEventRecorder(capacity: 2)
        let kinds: [EventKind] = [.toolStarted, .toolCompleted, .toolFailed]
        for (n, kind) in kinds.enumerated() { recorder.emit(EventSamples.event(kind, project: "p", at: Int64(n))) }
        #expect(recorder.events.map(\.name) == [.toolCompleted, .toolFailed])
        #expect(recorder.droppedCount == 1)
    }

    /// The closed list holds every wire name the runbook's signals are spelled with, each once.
    @Test func everyKindHasItsRunbookWireName() {
        let names = EventKind.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        for name in [
            "tool.failed", "tool.timeout", "tool.completed", "tool.cancelled", "policy.denied", "security.sandbox_violation",
            "security.sandbox_exception_used", "security.sensitive_path_denied", "security.network_denied",
            "security.protocol_denied", "security.repeated_timeout_failures", "security.sensitive_artifact_detected",
            "project.assets_reloaded", "project.watcher_reload_failed", "network.connection", "alert.raised",
        ] {
            #expect(EventKind(rawValue: name) != nil, "\(name)")
        }
        #expect(EventKind.allCases.filter(\.isPolicyDecision) == [.policyAllowed, .policyDenied])
    }

    @Test func eventJSONCarriesIdsAndTime() {
        let event = RuntimeEvent(
            projectId: "p", conversationId: "c", correlationId: "k", atMs: 1_700_000_000_123,
            payload: .toolStarted(ToolStarted(callId: "x", tool: "t")), id: 4)
        #expect(event.json == [
            "id": 4, "event": "tool.started", "project_id": "p", "conversation_id": "c", "correlation_id": "k",
            "at": "2023-11-14T22:13:20.123Z", "at_ms": 1_700_000_000_123, "payload": ["call_id": "x", "tool": "t"],
        ])
    }
}
