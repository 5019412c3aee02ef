import Sandbox
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// After the daemon dies (SIGKILL) and restarts on the same data directory, a conversation's model
/// context (`llm_context`) is rebuilt from the journal: the user messages, the model's tool calls,
/// what each returned and the answers, in the order the model saw them; the next turn's request
/// carries that history instead of starting empty.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .tags(.reliability))
struct AgentContextRestartTests {
    @Test func theModelContextIsRebuiltFromTheJournalAfterAKill() throws {
        let setup = try AgentLoopTests.start()
        let fixture = setup.fixture
        let first = AgentLoopTests.follow(setup, "c-par", "scenario:parallel")
        #expect(first.status == 0)
        let before = fixture.jcs("conversation", "context", "p1", "c-par").json
        let messages = try #require(before["messages"]?.arrayValue)
        #expect(messages.count == 6, "\(before)")
        #expect(messages.compactMap { $0["role"]?.stringValue } == ["user", "assistant", "tool", "tool", "tool", "assistant"])

        let pid = try #require(fixture.daemon.pid)
        kill(pid, SIGKILL)
        _ = fixture.daemon.stop()
        try fixture.daemon.start()

        let after = fixture.jcs("conversation", "context", "p1", "c-par").json
        #expect(after["configured"]?.boolValue == true, "\(after)")
        #expect(after["messages"] == before["messages"], "before: \(before)\nafter: \(after)")
        #expect(after["turns"]?.intValue == 1)

        // The next turn: the model is sent the history, then the new message.
        let sent = runProduct(
            "jcs", ["conversation", "send", "p1", "c-par", "scenario:final", "--follow", "--json", "--socket", fixture.daemon.socketPath])
        #expect(sent.status == 0, "\(sent.out) \(sent.err)")
        let request = try #require(setup.server.requests("final").last)
        let sentMessages = request["messages"]?.arrayValue ?? []
        #expect(sentMessages.count == 7, "\(request)")
        #expect(sentMessages.first?["content"]?.stringValue == "scenario:parallel")
        #expect(sentMessages.last?["content"]?.stringValue == "scenario:final")
        let toolIds = sentMessages.filter { $0["role"]?.stringValue == "tool" }.compactMap { $0["tool_call_id"]?.stringValue }
        #expect(toolIds == ["call_a", "call_b", "call_c"])
        let final = fixture.jcs("conversation", "context", "p1", "c-par").json
        #expect(final["messages"]?.arrayValue?.count == 8, "\(final)")
    }
}
