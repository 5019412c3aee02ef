import Sandbox
import TestSupport
import Testing

@testable import CodeServer

@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ConversationTests {
    private func accepted(_ outcome: SendOutcome) throws -> PendingToolCall {
        guard case .accepted(let pending) = outcome else { throw ToolFailure(.invalidArguments, "not accepted: \(outcome)") }
        return pending
    }

    private func completed(_ outcome: SendOutcome) throws -> ToolResult {
        guard case .completed(let result) = outcome else { throw ToolFailure(.invalidArguments, "not completed: \(outcome)") }
        return result
    }

    @Test func correlationIdReachesTheJournalPolicyRecordAndTelemetry() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let conversation = try await project.startConversation(id: "c1")
        let result = try completed(
            await conversation.send(
                .toolRequest(tool: "fs.list", arguments: ["path": "."], runMode: .sync), correlationId: "corr-42"))
        #expect(result.status == .completed)
        #expect(result.correlationId == "corr-42")
        #expect(result.decision?.correlationId == "corr-42")
        #expect(fixture.recorder.events(named: .policyAllowed).first?.payload.json["correlation_id"] == "corr-42")
        for name in [EventKind.conversationToolRequested, .toolStarted, .toolCompleted] {
            let event = try #require(fixture.events(name).first, "\(name)")
            #expect(event.correlationId == "corr-42")
            #expect(event.conversationId == "c1")
        }
        let story = await conversation.timeline(correlationId: "corr-42")
        #expect(story.map(\.kind) == [.toolRequested, .toolResult])
        // The call's end is one event: the runner's `tool.completed`, numbered as the entry.
        let endings = fixture.events(.toolCompleted)
        #expect(endings.count == 1)
        #expect(endings.first?.entrySequence == story.last?.sequence)
        #expect(story.last?.payload.kind == .toolCompleted)
        await fixture.engine.shutdown()
    }

    @Test func correlationIdIsGeneratedWhenAbsent() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let conversation = try await project.startConversation()
        guard case .recorded(let entry) = try await conversation.send(.userMessage(text: "hi")) else {
            Issue.record("a user message is recorded")
            return
        }
        let correlationId = try #require(entry.correlationId)
        #expect(correlationId.hasPrefix("corr-"))
        #expect(fixture.events(.conversationUserMessage).first?.correlationId == correlationId)
        #expect(await conversation.timeline().map(\.kind) == [.started, .userMessage])
        await fixture.engine.shutdown()
    }

    @Test func perConversationConcurrencyZeroRefusesItsCalls() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["tool_max_concurrency_per_conversation": 0])
        let conversation = try await project.startConversation()
        let result = try completed(
            await conversation.send(.toolRequest(tool: "fs.list", arguments: ["path": "."], runMode: .sync)))
        #expect(result.reason == .conversationMaxConcurrencyReached)
        // A call outside any conversation only counts against the project.
        #expect(await project.execute(ToolCall(tool: "fs.list", arguments: ["path": "."])).status == .completed)
        await fixture.engine.shutdown()
    }

    @Test func runningCallsCountAgainstTheConversationAndTheProject() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start([
            "tool_max_concurrency": 2, "tool_max_concurrency_per_conversation": 1,
        ])
        let first = try await project.startConversation(id: "c1")
        let second = try await project.startConversation(id: "c2")
        let slow: ConversationInput = .toolRequest(tool: "shell.run", arguments: ["script": "sleep 31337.5001"], runMode: .async)
        let a = try accepted(await first.send(slow))
        #expect(await eventually { !hostProcesses(containing: "31337.5001").isEmpty })
        let refused = try completed(
            await first.send(.toolRequest(tool: "fs.list", arguments: ["path": "."], runMode: .sync)))
        #expect(refused.reason == .conversationMaxConcurrencyReached)
        _ = try accepted(
            await second.send(.toolRequest(tool: "shell.run", arguments: ["script": "sleep 31337.5006"], runMode: .async)))
        #expect(await eventually { !hostProcesses(containing: "31337.5006").isEmpty })
        let outside = await project.execute(ToolCall(tool: "fs.list", arguments: ["path": "."]))
        #expect(outside.reason == .maxConcurrencyReached)
        #expect(await first.pendingToolCalls.map(\.callId) == [a.callId])
        await fixture.engine.shutdown()
        #expect(hostProcesses(containing: "31337.5001").isEmpty)
        #expect(hostProcesses(containing: "31337.5006").isEmpty)
    }

    @Test func cancellingAnAsyncCallKillsItsWholeProcessTree() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let conversation = try await project.startConversation(id: "c1")
        let marker = "31337.5002"
        let pending = try accepted(
            await conversation.send(
                .toolRequest(
                    tool: "shell.run",
                    arguments: ["script": .string("sleep \(marker) & (sleep \(marker) &); sleep \(marker)")],
                    runMode: .async), correlationId: "corr-c"))
        #expect(await eventually { hostProcesses(containing: marker).count >= 3 })
        let cancelled = await conversation.cancelPendingCalls(correlationId: "corr-c")
        #expect(cancelled == [pending.callId])
        #expect(hostProcesses(containing: marker).isEmpty)
        let result = try #require(await conversation.result(of: pending.callId))
        #expect(result.status == .cancelled)
        #expect(result.reason == .cancelled)
        #expect(fixture.events(.toolCancelled).map(\.correlationId) == ["corr-c"])
        let terminated = try #require(fixture.events(.toolChildProcessesTerminated).first)
        #expect(terminated.payload.json["workers_killed"] == 1)
        #expect(terminated.payload.json["call_ids"] == [.string(pending.callId)])
        #expect(await conversation.pendingToolCalls.isEmpty)
        await fixture.engine.shutdown()
    }

    @Test func asyncCallResultIsReadableAfterItFinishes() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let conversation = try await project.startConversation()
        let pending = try accepted(
            await conversation.send(.toolRequest(tool: "shell.run", arguments: ["argv": ["/bin/echo", "done"]], runMode: .async)))
        let result = try #require(await conversation.result(of: pending.callId))
        #expect(result.output?["stdout"] == "done\n")
        #expect(await conversation.result(of: pending.callId) == result)
        #expect(await conversation.result(of: "call-unknown") == nil)
        await fixture.engine.shutdown()
    }

    @Test func queueOverflowRefusesTheInputAndIsReported() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["conversation_max_queue_size": 1])
        let conversation = try await project.startConversation(id: "c1")
        _ = try accepted(
            await conversation.send(.toolRequest(tool: "shell.run", arguments: ["script": "sleep 31337.5003"], runMode: .async)))
        await #expect(throws: ConversationError.queueFull(conversationId: "c1", limit: 1)) {
            try await conversation.send(.toolRequest(tool: "fs.list", arguments: ["path": "."], runMode: .async))
        }
        let overflow = try #require(fixture.events(.conversationQueueOverflow).first)
        #expect(overflow.payload.json["limit"] == 1)
        #expect(await conversation.timeline().last?.kind == .queueOverflow)
        await fixture.engine.shutdown()
        #expect(hostProcesses(containing: "31337.5003").isEmpty)
    }

    @Test func stoppedConversationRefusesInputAndItsCallsAreCancelled() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let conversation = try await project.startConversation(id: "c1")
        let pending = try accepted(
            await conversation.send(.toolRequest(tool: "shell.run", arguments: ["script": "sleep 31337.5004"], runMode: .async)))
        try await project.stopConversation("c1")
        #expect(await conversation.result(of: pending.callId)?.status == .cancelled)
        await #expect(throws: ConversationError.stopped(conversationId: "c1")) {
            try await conversation.send(.userMessage(text: "late"))
        }
        await #expect(throws: ProjectError.unknownConversation(id: "c1")) { try await project.conversation("c1") }
        #expect(fixture.events(.conversationStopped).count == 1)
        #expect(hostProcesses(containing: "31337.5004").isEmpty)
        await fixture.engine.shutdown()
    }

    @Test func cancellingTheCallersTaskCancelsASyncCall() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let conversation = try await project.startConversation()
        let task = Task {
            try await conversation.send(.toolRequest(tool: "shell.run", arguments: ["script": "sleep 31337.5005"], runMode: .sync))
        }
        #expect(await eventually { !hostProcesses(containing: "31337.5005").isEmpty })
        task.cancel()
        let result = try completed(try await task.value)
        #expect(result.status == .cancelled)
        #expect(hostProcesses(containing: "31337.5005").isEmpty)
        await fixture.engine.shutdown()
    }
}
