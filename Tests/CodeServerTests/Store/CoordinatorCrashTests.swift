import Sandbox
import TestSupport
import Testing

/// The end-to-end promise of the journal: what the coordinator acknowledged survives a SIGKILL.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .tags(.reliability))
struct CoordinatorCrashTests {
    @Test func everyAcknowledgedCallAndTheProjectSurviveASIGKILLMidStream() throws {
        let data = TempDirectory(prefix: "jcs-crash-data")
        let root = TempDirectory(prefix: "jcs-crash-root")
        let total = 40
        let killAfter = 15

        let first = try CoordinatorProcess(dataDirectory: data.path)
        #expect(first.nextLine()?["ready"] == true)
        first.send(["cmd": "start_project", "id": "p1", "root": .string(root.path), "options": ["tool_timeout_ms": 20_000]])
        #expect(first.nextLine()?["ok"] == true)
        first.send(["cmd": "start_conversation", "project": "p1", "id": "c1"])
        #expect(first.nextLine()?["ok"] == true)

        // Every call is queued at once, so the kill lands while calls are still running.
        for n in 0..<total {
            first.send([
                "cmd": "tool", "project": "p1", "conversation": "c1", "tool": "shell.run",
                "args": ["argv": ["echo", .string("\(n)")]], "correlation_id": .string("k\(n)"),
            ])
        }
        var acknowledged: [String: String] = [:]
        while acknowledged.count < killAfter, let ack = first.nextLine() {
            #expect(ack["ok"] == true)
            #expect(ack["status"] == "completed")
            if let corr = ack["correlation_id"]?.stringValue, let call = ack["call_id"]?.stringValue { acknowledged[corr] = call }
        }
        first.kill()
        #expect(acknowledged.count == killAfter)

        let second = try CoordinatorProcess(dataDirectory: data.path)
        let ready = second.nextLine()
        #expect(ready?["restored"] == [["id": "p1", "error": .null]])
        second.send(["cmd": "list_projects"])
        #expect(second.nextLine()?["projects"]?[0]?["id"] == "p1")

        second.send(["cmd": "timeline", "project": "p1", "conversation": "c1", "limit": 500])
        let timeline = second.nextLine()?["timeline"]
        let entries = timeline?["entries"]?.arrayValue ?? []
        #expect(timeline?["total_entries"]?.intValue == entries.count)
        for (correlation, call) in acknowledged {
            let ofCall = entries.filter { $0["correlation_id"]?.stringValue == correlation }
            let events = Set(ofCall.compactMap { $0["event"]?.stringValue })
            #expect(events.isSuperset(of: ["conversation.tool_requested", "conversation.tool_result", "tool.completed"]), "\(correlation)")
            #expect(ofCall.contains { $0["source"] == "journal" && $0["event"] == "conversation.tool_result" && $0["payload"]?["call_id"]?.stringValue == call })
        }
        second.kill()
    }
}
