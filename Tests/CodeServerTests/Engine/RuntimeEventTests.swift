import Sandbox
import Testing

@testable import CodeServer

struct RuntimeEventRecorderTests {
    @Test func recorderIsBoundedAndCountsWhatItDropped() {
        let recorder = RuntimeEventRecorder(capacity: 2)
        for n in 0..<3 { recorder.emit(RuntimeEvent(name: "e\(n)", projectId: "p", atMs: Int64(n))) }
        #expect(recorder.events.map(\.name) == ["e1", "e2"])
        #expect(recorder.droppedCount == 1)
    }

    @Test func eventJSONCarriesIdsAndTime() {
        let event = RuntimeEvent(
            name: "tool.started", projectId: "p", conversationId: "c", correlationId: "k", atMs: 1_700_000_000_123,
            payload: ["call_id": "x"])
        #expect(event.json == [
            "name": "tool.started", "project_id": "p", "conversation_id": "c", "correlation_id": "k",
            "at": "2023-11-14T22:13:20.123Z", "payload": ["call_id": "x"],
        ])
    }
}
