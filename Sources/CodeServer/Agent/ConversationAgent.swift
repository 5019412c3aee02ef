import Sandbox

/// The agent of one conversation: a user message starts a turn in which the model is asked,
/// every tool call it proposes runs through the conversation's gate, the results go back, and
/// the model is asked again until it answers or `max_turn_steps` ends the turn.
///
/// One turn at a time; messages that arrive meanwhile wait in order (the conversation bounds
/// them by `conversation_max_queue_size`). `cancel` ends the running turn at once (its model
/// request and its sandboxes) and holds the queue until `resume`.
actor ConversationAgent {
    struct Queued: Sendable {
        var text: String
        var correlationId: String
    }

    /// What the agent needs of its conversation: the gate for tool calls and the journal. A
    /// journaled fact is also the event followers see: the conversation emits it, once.
    struct Host: Sendable {
        var runTool: @Sendable (_ tool: String, _ arguments: JSONValue, _ correlationId: String) async -> ToolResult
        var journal: @Sendable (_ payload: EventPayload, _ correlationId: String?) async -> Void
    }

    /// Arguments longer than this are refused before the gate (`arguments_too_large`).
    static let maximumArgumentBytes = 64 << 10
    /// A tool result longer than this reaches the model cut, and says so.
    static let maximumToolOutputBytes = 32 << 10

    let projectId: String
    let conversationId: String
    private let model: any ChatModel
    private let options: LLMOptions
    private let catalog: @Sendable () -> ToolCatalog
    private let sink: any RuntimeEventSink
    private let clock: any RuntimeClock
    private var host: Host?

    /// The messages of every turn so far (without the system prompt), as the model sees them.
    private(set) var context: [ChatMessage] = []
    private var queue: [Queued] = []
    private var running: (task: Task<Void, Never>, correlationId: String)?
    private(set) var isCancelled = false
    private var turns = 0

    init(
        projectId: String, conversationId: String, model: any ChatModel, options: LLMOptions,
        catalog: @escaping @Sendable () -> ToolCatalog, sink: any RuntimeEventSink, clock: any RuntimeClock
    ) {
        self.projectId = projectId
        self.conversationId = conversationId
        self.model = model
        self.options = options
        self.catalog = catalog
        self.sink = sink
        self.clock = clock
    }

    func attach(_ host: Host) { self.host = host }

    /// The context as the journal had it before a restart (`ChatContextJournal.rebuild`): the
    /// next turn's model sees the conversation's history, not an empty one.
    func restore(context restored: [ChatMessage], turns finished: Int) {
        context = restored
        turns = finished
    }

    nonisolated var hasSystemPrompt: Bool { options.systemPrompt != nil }

    /// Messages waiting for a turn (the running one not counted).
    var waiting: Int { queue.count }

    /// Takes a user message: starts a turn, or queues it behind the running one. `started` is
    /// false when it waits.
    func enqueue(text: String, correlationId: String) -> Bool {
        queue.append(Queued(text: text, correlationId: correlationId))
        return startNext()
    }

    /// Ends the running turn: the model request is torn down and the turn's tool calls are
    /// cancelled (their sandboxes killed) before this returns. Queued messages wait for `resume`.
    /// Returns the correlation id of the turn it ended.
    func cancel() async -> String? {
        isCancelled = true
        guard let running else { return nil }
        running.task.cancel()
        await running.task.value
        return running.correlationId
    }

    func resume() {
        guard isCancelled else { return }
        isCancelled = false
        _ = startNext()
    }

    /// The `llm_context` projection.
    var projection: JSONValue {
        [
            "model": .string(options.model ?? ""), "messages": .array(context.map(\.json)),
            "turn_running": .bool(running != nil),
            "running_correlation_id": running.map { JSONValue.string($0.correlationId) } ?? .null,
            "queued_messages": .int(Int64(queue.count)), "cancelled": .bool(isCancelled),
            "turns": .int(Int64(turns)),
        ]
    }

    @discardableResult
    private func startNext() -> Bool {
        guard running == nil, !isCancelled, !queue.isEmpty else { return false }
        let next = queue.removeFirst()
        let task = Task { [self] in
            await runTurn(next)
            finishTurn()
        }
        running = (task, next.correlationId)
        return true
    }

    private func finishTurn() {
        running = nil
        turns += 1
        _ = startNext()
    }

    // MARK: - The turn

    private func runTurn(_ message: Queued) async {
        let correlationId = message.correlationId
        let redactor = SecretRedactor(model.secrets)
        context.append(ChatMessage(role: .user, content: message.text))
        for step in 1...options.maxTurnSteps {
            let tools = Self.exposedTools(catalog())
            let request = makeRequest(tools: tools.wire)
            let completion: ChatCompletion
            do throws(ChatModelFailure) {
                completion = try await complete(request, step: step, correlationId: correlationId, redactor: redactor)
            } catch {
                await fail(error.reason, detail: redactor.redact(error.detail), step: step, correlationId: correlationId)
                // The next turn's model sees why this one has no answer.
                if let note = ChatContextJournal.endNote(reason: error.reason, detail: nil) { context.append(note) }
                return
            }
            let calls = completion.toolCalls.enumerated().map { index, call in
                ChatToolCall(
                    id: call.id.isEmpty ? "call_\(step)_\(index)" : call.id, name: call.name,
                    arguments: redactor.redact(call.arguments))
            }
            let text = redactor.redact(completion.content)
            let reply = ChatMessage(role: .assistant, content: text.isEmpty && !calls.isEmpty ? nil : text, toolCalls: calls)
            context.append(reply)
            guard !calls.isEmpty else {
                await host?.journal(.conversationAssistantMessage(AssistantMessage(text: text, steps: Int64(step))), correlationId)
                return
            }
            await host?.journal(.conversationAssistantToolCalls(AssistantToolCalls(content: reply.content, toolCalls: calls)), correlationId)
            let results = await runCalls(calls, tools: tools.names, correlationId: correlationId, redactor: redactor)
            if Task.isCancelled { return }
            for (call, result) in zip(calls, results) {
                await host?.journal(.conversationToolOutput(ToolOutput(toolCallId: call.id, content: result.content ?? "")), correlationId)
            }
            context += results
        }
        let detail = "the model asked for tools in \(options.maxTurnSteps) requests without answering (max_turn_steps)"
        await fail(.maxTurnStepsExceeded, detail: detail, step: options.maxTurnSteps, correlationId: correlationId)
        if let note = ChatContextJournal.endNote(reason: .maxTurnStepsExceeded, detail: detail) { context.append(note) }
    }

    private func makeRequest(tools: [JSONValue]) -> ChatRequest {
        ContextBudget.fit(&context, budget: options.contextBudgetBytes)
        var messages = context
        if let prompt = options.systemPrompt { messages.insert(ChatMessage(role: .system, content: prompt), at: 0) }
        return ChatRequest(
            model: options.model ?? "", messages: messages, tools: tools, temperature: options.temperature,
            maxTokens: options.maxTokens)
    }

    /// One completion, retried on 429 and 5xx with exponential backoff (1 s, 2 s, 4 s… capped at
    /// 30 s) or the endpoint's `Retry-After` when it says one (capped at 60 s), at most
    /// `llm_max_retries` times.
    private func complete(
        _ request: ChatRequest, step: Int, correlationId: String, redactor: SecretRedactor
    ) async throws(ChatModelFailure) -> ChatCompletion {
        var attempt = 0
        while true {
            attempt += 1
            let started = clock.nowMs()
            let requested = LLMRequested(
                model: request.model, step: Int64(step), attempt: Int64(attempt), messages: Int64(request.messages.count),
                tools: Int64(request.tools.count), elidedMessages: Int64(request.messages.count(where: \.elided)))
            emit(.llmRequested(requested), correlationId: correlationId)
            let coalescer = DeltaCoalescer(redactor: redactor, clock: clock) { [sink, projectId, conversationId, clock] text in
                sink.emit(
                    RuntimeEvent(
                        projectId: projectId, conversationId: conversationId, correlationId: correlationId,
                        atMs: clock.nowMs(), payload: .conversationAssistantDelta(AssistantDelta(text: text, step: Int64(step)))))
            }
            do throws(ChatModelFailure) {
                if Task.isCancelled { throw .cancelled }
                let completion = try await model.complete(request) { coalescer.add($0) }
                coalescer.finish()
                let completed = LLMCompleted(
                    model: request.model, step: Int64(step), latencyMs: clock.nowMs() - started,
                    timeToFirstTokenMs: completion.timeToFirstTokenMs, tokensIn: completion.promptTokens.map(Int64.init),
                    tokensOut: completion.completionTokens.map(Int64.init), finishReason: completion.finishReason,
                    toolCalls: Int64(completion.toolCalls.count))
                emit(.llmCompleted(completed), correlationId: correlationId)
                return completion
            } catch {
                coalescer.finish()
                let failure: ChatModelFailure = Task.isCancelled ? .cancelled : error
                guard failure.isRetryable, attempt <= options.maxRetries else { throw failure }
                let delayMs = Self.backoffMs(attempt: attempt, failure: failure)
                let retry = LLMFailed.Retry(attempt: Int64(attempt), retryInMs: delayMs, latencyMs: clock.nowMs() - started)
                emit(
                    .llmFailed(
                        LLMFailed(
                            reason: failure.reason, detail: redactor.redact(failure.detail), step: Int64(step), retry: retry)),
                    correlationId: correlationId)
                do {
                    try await Task.sleep(for: .milliseconds(delayMs))
                } catch {
                    throw .cancelled
                }
            }
        }
    }

    static func backoffMs(attempt: Int, failure: ChatModelFailure) -> Int64 {
        if case .http(_, let retryAfter?, _) = failure { return min(max(retryAfter, 0), 60_000) }
        return min(1000 << min(attempt - 1, 5), 30_000)
    }

    private func fail(_ reason: LLMFailureReason, detail: String, step: Int, correlationId: String) async {
        let failed = LLMFailed(reason: reason, detail: detail, step: Int64(step), retry: nil)
        await host?.journal(.llmFailed(failed), correlationId)
    }

    // MARK: - Tool calls

    /// Runs every call of one completion at once through the gate (the conversation's
    /// per-conversation concurrency quota still applies), and returns their `tool` messages in
    /// the order the model wrote the calls.
    private func runCalls(
        _ calls: [ChatToolCall], tools: [String: String], correlationId: String, redactor: SecretRedactor
    ) async -> [ChatMessage] {
        let host = self.host
        var outputs = [String](repeating: "", count: calls.count)
        await withTaskGroup(of: (Int, String).self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask {
                    (index, await Self.run(call, tools: tools, correlationId: correlationId, host: host))
                }
            }
            for await (index, output) in group { outputs[index] = output }
        }
        return zip(calls, outputs).map { call, output in
            ChatMessage(role: .tool, content: redactor.redact(output), toolCallId: call.id)
        }
    }

    /// One call: refused before the gate when its arguments are too large or not a JSON object
    /// (recorded, and the model told how to recover), else through the gate under the catalog
    /// name (an unknown name reaches the gate too, which refuses it as `unknown_tool`).
    private static func run(
        _ call: ChatToolCall, tools: [String: String], correlationId: String, host: Host?
    ) async -> String {
        guard let host else { return "{\"error\":\"no_gate\"}" }
        func refuse(_ reason: ToolRefused.Reason, _ message: String) async -> String {
            let refused = ToolRefused(
                toolCallId: call.id, tool: call.name, reason: reason, message: message,
                argumentBytes: Int64(call.arguments.utf8.count))
            await host.journal(.conversationToolRefused(refused), correlationId)
            return JSONWriter.text(["status": "refused", "reason": .string(reason.rawValue), "message": .string(message)])
        }
        guard call.arguments.utf8.count <= maximumArgumentBytes else {
            return await refuse(
                .argumentsTooLarge,
                "the arguments are \(call.arguments.utf8.count) bytes; at most \(maximumArgumentBytes) are accepted")
        }
        let arguments: JSONValue
        do {
            arguments = call.arguments.isEmpty ? [:] : try JSONParser.parse(call.arguments)
        } catch {
            return await refuse(.invalidArguments, "the arguments are not valid JSON (\(error)); send a JSON object")
        }
        guard arguments.objectValue != nil else {
            return await refuse(.invalidArguments, "the arguments must be a JSON object")
        }
        let tool = tools[call.name] ?? call.name
        let result = await host.runTool(tool, arguments, correlationId)
        return modelView(of: result)
    }

    /// What the model sees of a result: status, output or reason and message; cut to a bound.
    static func modelView(of result: ToolResult) -> String {
        var object: [String: JSONValue] = ["status": .string(result.status.rawValue)]
        if let reason = result.reason { object["reason"] = .string(reason.rawValue) }
        if let message = result.message { object["message"] = .string(message) }
        if let output = result.output { object["output"] = output }
        let text = JSONWriter.text(.object(object))
        guard text.utf8.count > maximumToolOutputBytes else { return text }
        let cut = String(decoding: text.utf8.prefix(maximumToolOutputBytes), as: UTF8.self)
        return cut + "\n[cut by the runtime: the result was \(text.utf8.count) bytes; ask for less]"
    }

    /// The catalog's tools as `tools[]` entries. Function names must match `^[a-zA-Z0-9_-]+$`
    /// on OpenAI's API, so `fs.read` is offered as `fs_read`; `names` maps back.
    static func exposedTools(_ catalog: ToolCatalog) -> (wire: [JSONValue], names: [String: String]) {
        var wire: [JSONValue] = []
        var names: [String: String] = [:]
        for tool in catalog.all {
            var name = String(tool.name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "_" })
            while names[name] != nil { name += "_" }
            names[name] = tool.name
            wire.append([
                "type": "function",
                "function": [
                    "name": .string(name), "description": .string(tool.description), "parameters": tool.inputSchema,
                ],
            ])
        }
        return (wire, names)
    }

    private func emit(_ payload: EventPayload, correlationId: String) {
        sink.emit(
            RuntimeEvent(
                projectId: projectId, conversationId: conversationId, correlationId: correlationId, atMs: clock.nowMs(),
                payload: payload))
    }
}
