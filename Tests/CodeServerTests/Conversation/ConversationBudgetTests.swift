import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// What a client can make one project hold through conversations is bounded: how many run at
/// once, and the bytes of the finished results each keeps for read-back.
struct ConversationBudgetTests {
    private func result(_ id: String, stdout: Int) -> ToolResult {
        let call = ToolCall(tool: "shell.run", id: id, correlationId: "corr-\(id)")
        return ToolResult(
            call: call, status: .completed, output: ["stdout": .string(String(repeating: "x", count: stdout))])
    }

    @Test func keptResultsForgetTheOldestPastTheByteBound() {
        var kept = KeptResults(maxCount: 100, maxBytes: 16_000)
        for index in 0..<10 { kept.keep(result("c\(index)", stdout: 3_000)) }
        // Each result costs its 3,000 bytes of text plus the fixed share: three fit, not four.
        #expect(KeptResults.size(of: result("x", stdout: 3_000)) == KeptResults.fixedShare + "stdout".utf8.count + 3_000)
        #expect(kept.count == 3)
        #expect(kept.bytes <= 16_000)
        #expect(kept.evicted == 7)
        #expect(kept["c9"] != nil && kept["c7"] != nil)
        #expect(kept["c6"] == nil && kept["c0"] == nil)
    }

    @Test func theNewestResultIsKeptEvenWhenItAloneIsOverTheBound() {
        var kept = KeptResults(maxCount: 100, maxBytes: 1_000)
        kept.keep(result("small", stdout: 10))
        kept.keep(result("huge", stdout: 50_000))
        #expect(kept.count == 1)
        #expect(kept["huge"] != nil && kept["small"] == nil)
    }

    @Test func keptResultsStayWithinTheCountBound() {
        var kept = KeptResults(maxCount: 4, maxBytes: 1 << 30)
        for index in 0..<5_000 { kept.keep(result("c\(index)", stdout: 1)) }
        #expect(kept.count == 4)
        #expect(kept["c4999"] != nil && kept["c4995"] == nil)
    }

    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func aProjectRefusesConversationsPastItsBudgetUntilOneStops() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["project_max_conversations": 2])
        _ = try await project.startConversation(id: "a")
        _ = try await project.startConversation(id: "b")
        await #expect(throws: ProjectError.conversationBudget(limit: 2)) {
            _ = try await project.startConversation(id: "c")
        }
        try await project.stopConversation("a")
        _ = try await project.startConversation(id: "c")
        #expect(await project.conversationIds == ["b", "c"])
        await fixture.engine.shutdown()
    }

    /// The count bound is the queue's: every async call a full queue held can still be read
    /// back, and no more results than that stay in memory (the journal keeps them all).
    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func aConversationKeepsAsManyResultsAsItsQueueHolds() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["conversation_max_queue_size": 3])
        let conversation = try await project.startConversation(id: "kept")
        var ids: [String] = []
        for _ in 0..<5 {
            guard case .completed(let result) = try await conversation.send(
                .toolRequest(tool: "fs.list", arguments: ["path": "."], runMode: .sync))
            else { Issue.record("a sync fs.list did not complete"); return }
            ids.append(result.callId)
        }
        let diagnostics = await conversation.diagnostics
        #expect(diagnostics["kept_results"] == 3)
        #expect(diagnostics["kept_results_evicted"] == 2)
        for id in ids[..<2] {
            let evicted = await conversation.result(of: id)
            #expect(evicted == nil)
        }
        for id in ids[2...] {
            let kept = await conversation.result(of: id)
            #expect(kept?.callId == id)
        }
        await fixture.engine.shutdown()
    }

    @Test func theProjectsConversationsShareOneBudgetAndEachForgetsItsOwnOldestFirst() {
        let budget = KeptResultsBudget(maxBytes: 40_000)
        let each = KeptResults.size(of: result("x", stdout: 3_000))
        var a = KeptResults(maxCount: 100, maxBytes: 1 << 20, project: budget)
        for index in 0..<3 { a.keep(result("a\(index)", stdout: 3_000)) }
        #expect(a.count == 3 && budget.bytes == 3 * each)
        var b = KeptResults(maxCount: 100, maxBytes: 1 << 20, project: budget)
        for index in 0..<10 { b.keep(result("b\(index)", stdout: 3_000)) }
        // The project is over its budget only while b keeps more than it leaves room for: b
        // forgets its own oldest, a (idle) keeps all three.
        #expect(a.count == 3)
        #expect(budget.bytes <= 40_000)
        #expect(b.count == 40_000 / each - 3)
        #expect(b["b9"] != nil && b["b0"] == nil)
        #expect(budget.bytes == a.bytes + b.bytes)
        // Each keeps at least its newest result, whatever the others hold.
        var c = KeptResults(maxCount: 100, maxBytes: 1 << 20, project: budget)
        c.keep(result("c0", stdout: 3_000))
        c.keep(result("c1", stdout: 3_000))
        #expect(c.count == 1 && c["c1"] != nil)
        #expect(budget.bytes == a.bytes + b.bytes + c.bytes)
    }

    @Test func aConversationThatGoesGivesItsShareBack() {
        let budget = KeptResultsBudget(maxBytes: 1 << 20)
        var kept: KeptResults? = KeptResults(maxCount: 100, maxBytes: 1 << 20, project: budget)
        for index in 0..<5 { kept?.keep(result("c\(index)", stdout: 1_000)) }
        #expect(budget.bytes == kept?.bytes)
        #expect(budget.bytes > 0)
        kept = nil
        #expect(budget.bytes == 0)
    }

    @Test func theBudgetOptionsAreRangeChecked() {
        #expect(throws: OptionsError.self) { try RuntimeOptions.parse(["project_max_conversations": 0]) }
        #expect(throws: OptionsError.self) { try RuntimeOptions.parse(["project_max_kept_result_bytes": 65_536]) }
        #expect((try? RuntimeOptions.parse(["project_max_kept_result_bytes": 1_048_576]))?.projectMaxKeptResultBytes == 1 << 20)
        #expect(throws: OptionsError.self) { try RuntimeOptions.parse(["conversation_max_kept_result_bytes": 1024]) }
        #expect((try? RuntimeOptions.parse(["conversation_max_kept_result_bytes": 65_536]))?.conversationMaxKeptResultBytes == 65_536)
    }
}
