import Sandbox

/// One conversation of a project: its journal, the tool calls it has running, their cancellation.
///
/// Every input gets a correlation id (the caller's, or a generated one) that its journal entries,
/// its tool call, the policy record and every event share. Each fact the conversation records is
/// one journal entry and one event at once (`record`): emitted once, stored once. Tool calls go
/// through the project's `ExecutionRunner`; the conversation only tracks them. Inputs waiting at
/// once (running tool calls, sync or async) are bounded by `conversation_max_queue_size`.
public actor Conversation {
    private enum State {
        case active
        case stopped
    }

    private struct Pending {
        var info: PendingToolCall
        var handle: CallHandle
        var task: Task<ToolResult, Never>
    }

    public nonisolated let id: String
    public nonisolated let projectId: String
    private let runner: ExecutionRunner
    private let sink: any RuntimeEventSink
    private let clock: any RuntimeClock
    /// The durable journal, which the sink (the hub) writes each entry's event to; nil keeps the
    /// journal in memory only. With a store, only the newest `Self.memoryTail` entries stay in
    /// memory and older ones are read back from it, so a long conversation costs the journal's
    /// disk, not the coordinator's memory.
    private let journalStore: (any ConversationJournalStore)?
    /// The entries kept in memory when a store holds them all.
    static let memoryTail = 64
    /// The most entries a projection reads back from the store at once.
    static let maximumTimeline = 10_000
    private let maxQueueSize: Int

    private var state = State.active
    private var journal: ConversationJournal
    private var pending: [String: Pending] = [:]
    /// Finished results `result(of:)` can still answer for (bounded by count and bytes).
    private var finished: KeptResults
    /// Entries the sink's store refused; the in-memory journal still has them.
    private var journalStoreFailures = 0
    /// The model's side of the conversation when the project configures one (`llm_base_url`).
    private var agent: ConversationAgent?
    /// `conversation cancel` ended a turn; no turn starts until `resume`.
    private var turnsHeld = false

    init(
        id: String, projectId: String, runner: ExecutionRunner, maxQueueSize: Int, sink: any RuntimeEventSink,
        clock: any RuntimeClock, journalStore: (any ConversationJournalStore)? = nil, journalCapacity: Int = 10_000,
        resultCapacity: Int = 1024, resultBytes: Int = 8 << 20, projectResults: KeptResultsBudget? = nil
    ) {
        self.id = id
        self.projectId = projectId
        self.runner = runner
        self.maxQueueSize = maxQueueSize
        self.sink = sink
        self.clock = clock
        self.journalStore = journalStore
        finished = KeptResults(maxCount: resultCapacity, maxBytes: resultBytes, project: projectResults)
        journal = ConversationJournal(capacity: journalStore == nil ? journalCapacity : min(journalCapacity, Self.memoryTail))
    }

    /// Continues a conversation from its stored entries after a restart: the journal's numbering,
    /// the model's context (`ChatContextJournal`) when a model answers it. Calls it had accepted
    /// and not finished died with the previous process (their sandboxes with it): they are
    /// recorded as cancelled, so the pending-calls projection and the timeline say what happened.
    func restore(from entries: [ConversationEntry]) async {
        journal = ConversationJournal(capacity: journal.capacity, restoring: entries)
        if let agent {
            let rebuilt = ChatContextJournal.rebuild(from: entries)
            await agent.restore(context: rebuilt.context, turns: rebuilt.turns)
        }
        var open: [String] = []
        for entry in entries {
            switch entry.payload {
            case .conversationToolRequested(let requested): open.append(requested.callId)
            case .toolCompleted, .toolFailed, .toolTimeout, .toolCancelled:
                open.removeAll { $0 == entry.payload.callId }
            case .toolChildProcessesTerminated(let terminated):
                let ids = Set(terminated.callIds)
                open.removeAll { ids.contains($0) }
            default: break
            }
        }
        guard !open.isEmpty else { return }
        record(
            .toolChildProcessesTerminated(ChildProcessesTerminated(callIds: open, workersKilled: 0, reason: .coordinatorRestarted)),
            correlationId: nil, atMs: clock.nowMs())
    }

    /// Records the start; called once by the project right after creating the conversation.
    func recordStart() {
        record(.conversationStarted, correlationId: nil, atMs: clock.nowMs())
    }

    /// Takes one input. A user message is recorded; a tool request runs through the gate, and
    /// `sync` waits for its result while `async` returns once the call is accepted.
    public func send(
        _ input: ConversationInput, correlationId: String? = nil, gateway: Gateway? = nil
    ) async throws(ConversationError) -> SendOutcome {
        guard case .active = state else { throw .stopped(conversationId: id) }
        let correlationId = correlationId ?? Identifier.make("corr")
        let now = clock.nowMs()
        switch input {
        case .userMessage(let text):
            if let agent, await agent.waiting >= maxQueueSize {
                let overflow = QueueOverflow(limit: Int64(maxQueueSize), waiting: Int64(await agent.waiting))
                record(.conversationQueueOverflow(overflow), correlationId: correlationId, atMs: now)
                throw .queueFull(conversationId: id, limit: maxQueueSize)
            }
            guard let entry = record(.conversationUserMessage(UserMessage(text: text)), correlationId: correlationId, atMs: now)
            else { preconditionFailure("a user message is a journal entry") }
            if let agent { _ = await agent.enqueue(text: text, correlationId: correlationId) }
            return .recorded(entry)
        case .toolRequest(let tool, let arguments, let runMode):
            guard pending.count < maxQueueSize else {
                let overflow = QueueOverflow(limit: Int64(maxQueueSize), waiting: Int64(pending.count), tool: tool)
                record(.conversationQueueOverflow(overflow), correlationId: correlationId, atMs: now)
                throw .queueFull(conversationId: id, limit: maxQueueSize)
            }
            let call = ToolCall(
                tool: tool, arguments: arguments, conversationId: id, correlationId: correlationId, gateway: gateway)
            let info = PendingToolCall(
                callId: call.id, tool: tool, correlationId: correlationId, runMode: runMode, acceptedAtMs: now)
            let requested = ToolRequested(callId: call.id, tool: tool, runMode: runMode, arguments: arguments)
            record(.conversationToolRequested(requested), correlationId: correlationId, atMs: now)

            let handle = CallHandle()
            let runner = self.runner
            let sink = self.sink
            let task = Task { [weak self] in
                let (result, ending) = await runner.executeJournaled(call, handle: handle)
                if let self {
                    await self.complete(result, ending: ending)
                } else {
                    sink.emit(ending)
                }
                return result
            }
            pending[call.id] = Pending(info: info, handle: handle, task: task)
            switch runMode {
            case .async:
                return .accepted(info)
            case .sync:
                let result = await withTaskCancellationHandler {
                    await task.value
                } onCancel: {
                    handle.cancel()
                }
                return .completed(result)
            }
        }
    }

    /// The result of a call of this conversation: waits for it while it runs; nil for an id this
    /// conversation does not know (or whose result was already dropped from memory).
    public func result(of callId: String) async -> ToolResult? {
        if let running = pending[callId] { return await running.task.value }
        return finished[callId]
    }

    /// Cancels every running call: kills their workers, and with them every process their tools
    /// started; waits until each call has ended (`tool.cancelled` each), then emits
    /// `tool.child_processes_terminated`. Returns the ids of the calls cancelled.
    @discardableResult
    public func cancelPendingCalls(correlationId: String? = nil) async -> [String] {
        // The calls are taken (and killed) before the turn ends: ending it cancels them too, and
        // they must still be counted and reported here.
        let running = pending.values.sorted { $0.info.acceptedAtMs < $1.info.acceptedAtMs }
        var killed = 0
        for call in running where call.handle.cancel() { killed += 1 }
        await cancelTurn(correlationId: correlationId)
        guard !running.isEmpty else { return [] }
        for call in running { _ = await call.task.value }
        let ids = running.map(\.info.callId)
        let terminated = ChildProcessesTerminated(callIds: ids, workersKilled: Int64(killed))
        record(.toolChildProcessesTerminated(terminated), correlationId: correlationId, atMs: clock.nowMs())
        return ids
    }

    /// Cancels the running calls and refuses further input. Idempotent.
    public func stop() async {
        guard case .active = state else { return }
        _ = await agent?.cancel()
        state = .stopped
        await cancelPendingCalls()
        record(.conversationStopped, correlationId: nil, atMs: clock.nowMs())
    }

    // MARK: - The agent

    /// Gives the conversation its model's side; the project calls it right after creating it.
    func adopt(_ agent: ConversationAgent) async {
        self.agent = agent
        await agent.attach(
            ConversationAgent.Host(
                runTool: { [weak self] tool, arguments, correlationId in
                    guard let self else { return ToolResult.notRun(tool: tool, correlationId: correlationId) }
                    do {
                        let outcome = try await self.send(
                            .toolRequest(tool: tool, arguments: arguments, runMode: .sync), correlationId: correlationId)
                        if case .completed(let result) = outcome { return result }
                    } catch {
                        return ToolResult.notRun(tool: tool, correlationId: correlationId, message: "\(error)")
                    }
                    return ToolResult.notRun(tool: tool, correlationId: correlationId)
                },
                journal: { [weak self] payload, correlationId in
                    await self?.recordForAgent(payload, correlationId: correlationId)
                }))
    }

    /// The agent's entries are durable before anyone sees them: the event that announces one (a
    /// turn's answer, its final failure) reaches followers only after a crash could no longer
    /// lose it, and the agent goes on only then. No request acknowledges these, so no
    /// `DurabilityMiddleware` waits for them: the entry is stored, awaited, then announced.
    private func recordForAgent(_ payload: EventPayload, correlationId: String?) async {
        guard let journalStore else {
            record(payload, correlationId: correlationId, atMs: clock.nowMs())
            return
        }
        guard let entry = journal.append(payload, correlationId: correlationId, atMs: clock.nowMs()) else { return }
        let since = journalStore.mark()
        let stored: RuntimeEvent?
        do {
            stored = try sink.storeEntry(entry.event(project: projectId, conversation: id))
        } catch {
            journalStoreFailures += 1
            return
        }
        do {
            try await journalStore.durable(since: since)
        } catch {
            journalStoreFailures += 1
        }
        if let stored { sink.announceEntry(stored) }
    }

    /// Ends the running turn (its model request at once, its sandboxes with `cancelPendingCalls`)
    /// and holds further turns until `resume`.
    private func cancelTurn(correlationId: String?) async {
        guard let agent, isActive else { return }
        turnsHeld = true
        let ended = await agent.cancel()
        record(
            .conversationCancelled(ConversationCancelled(turnCorrelationId: ended)), correlationId: correlationId ?? ended,
            atMs: clock.nowMs())
    }

    /// Lets turns run again after `cancel`: the next queued message starts one.
    public func resume() async throws(ConversationError) {
        guard isActive else { throw .stopped(conversationId: id) }
        guard turnsHeld else { return }
        turnsHeld = false
        record(.conversationResumed, correlationId: nil, atMs: clock.nowMs())
        await agent?.resume()
    }

    /// The `llm_context` projection: the messages as the model sees them, the turn's state and
    /// the pending tool calls; nil without a model.
    public func llmContext() async -> JSONValue? {
        guard let agent else { return nil }
        guard var object = await agent.projection.objectValue else { return nil }
        object["pending_tool_calls"] = .array(pendingToolCalls.map(\.json))
        object["system_prompt_set"] = .bool(agent.hasSystemPrompt)
        return .object(object)
    }

    /// Whether a model answers this conversation's messages.
    public var hasModel: Bool { agent != nil }

    // MARK: - Projections

    public var isActive: Bool { if case .active = state { true } else { false } }

    /// The journal, oldest first; the last `limit` entries when given (at most
    /// `maximumTimeline`). Read from the store when memory holds fewer than asked for.
    public func timeline(limit: Int? = nil) -> [ConversationEntry] {
        let wanted = min(max(0, limit ?? Self.maximumTimeline), Self.maximumTimeline)
        if wanted > journal.entries.count, journal.dropped > 0 || journal.restored, let journalStore,
            let stored = try? journalStore.recentEntries(project: projectId, conversation: id, limit: wanted)
        {
            return stored
        }
        return Array(journal.entries.suffix(wanted))
    }

    /// The entries of one correlation id: one request's story, for incident timelines.
    public func timeline(correlationId: String) -> [ConversationEntry] {
        timeline().filter { $0.correlationId == correlationId }
    }

    /// Calls accepted and not finished, oldest first.
    public var pendingToolCalls: [PendingToolCall] {
        pending.values.map(\.info).sorted { $0.acceptedAtMs < $1.acceptedAtMs }
    }

    /// Finished results kept for read-back and their accounted bytes (`GET /v1/memory`).
    public var keptResultsUsage: (count: Int, bytes: Int) { (finished.count, finished.bytes) }

    public var diagnostics: JSONValue {
        [
            "conversation_id": .string(id), "project_id": .string(projectId),
            "state": .string(!isActive ? "stopped" : turnsHeld ? "cancelled" : "active"), "pending_tool_calls": .int(Int64(pending.count)),
            "queue_limit": .int(Int64(maxQueueSize)), "journal_entries": .int(Int64(journal.entries.count)),
            "journal_dropped": .int(Int64(journal.dropped)),
            "journal_store_failures": .int(Int64(journalStoreFailures)),
            "kept_results": .int(Int64(finished.count)), "kept_result_bytes": .int(Int64(finished.bytes)),
            "kept_results_evicted": .int(Int64(finished.evicted)),
            "agent": agent == nil ? "none: no model configured (llm_base_url), messages are only journaled" : "model",
        ]
    }

    // MARK: - Internals

    /// The call's ending event (`tool.completed`, `tool.failed`, …) is the journal's entry for
    /// its end: one row, numbered by the conversation. It takes the time it is numbered at, not
    /// the runner's: entries are read back in time order, which must be their number's.
    private func complete(_ result: ToolResult, ending: RuntimeEvent) {
        pending[result.callId] = nil
        finished.keep(result)
        record(ending.payload, correlationId: ending.correlationId, atMs: clock.nowMs())
    }

    /// Numbers the fact as the journal's next entry, keeps it in the in-memory journal and emits
    /// it, once, as an event carrying that number: the hub stores it (one row of the durable
    /// journal, which the conversation reads back from) and counts and delivers it. The daemon
    /// acknowledges an input only once it is on disk (`DurabilityMiddleware`). A store failure
    /// is counted (diagnostics) and seen by the coordinator through the store's own counter; it
    /// does not fail the input, whose entry the in-memory journal still has. Nil only for a kind
    /// a conversation does not journal (a caller's mistake: nothing is recorded).
    @discardableResult
    private func record(_ payload: EventPayload, correlationId: String?, atMs: Int64) -> ConversationEntry? {
        guard let entry = journal.append(payload, correlationId: correlationId, atMs: atMs) else {
            assertionFailure("\(payload.kind.rawValue) is not a conversation journal entry")
            return nil
        }
        do {
            try sink.emitEntry(entry.event(project: projectId, conversation: id))
        } catch {
            journalStoreFailures += 1
        }
        return entry
    }
}
