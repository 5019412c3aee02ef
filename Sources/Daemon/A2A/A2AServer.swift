import CodeServer
import NIOCore
import Sandbox

/// The A2A methods over one project, independent of HTTP: `SendMessage` (waits for the turn's
/// end unless `returnImmediately`), `SendStreamingMessage` (the turn's events, see `A2AStream`),
/// `GetTask` and `CancelTask`. A message starts a turn through the same conversation and agent
/// loop as `POST …/conversations/{c}/messages`; nothing here talks to the model itself.
struct A2AServer: Sendable {
    let runtime: Runtime

    /// The 0.3 method names: refused with a pointer to their 1.0 names, since 0.3 also differs in
    /// every object's shape (`kind`, lower-case roles and states) and a half translation would
    /// answer wrongly.
    static let legacyMethods: [String: String] = [
        "message/send": "SendMessage", "message/stream": "SendStreamingMessage", "tasks/get": "GetTask",
        "tasks/cancel": "CancelTask",
    ]
    static let methods: Set<String> = ["SendMessage", "SendStreamingMessage", "GetTask", "CancelTask"]

    /// A message accepted: the conversation it went to, its turn's correlation id, and the turn's
    /// feed, subscribed before the message was sent so that no event of the turn is missed.
    struct Started: Sendable {
        var conversation: Conversation
        var correlationId: String
        var feed: TurnFeed
    }

    func sendMessage(
        _ params: A2AParams.Send, project: Project, id: JSONRPCID, channel: any Channel
    ) async throws(JSONRPCError) -> JSONValue {
        let started = try await start(params, project: project, id: id)
        if !params.returnImmediately {
            // The feed ends with the turn: the answer, a final failure, or a cancel. The turn is
            // bounded itself (`llm_timeout_ms`, `max_turn_steps`), and a client that leaves stops
            // the wait (not the turn), so the follower slot held meanwhile comes back.
            let wait = Task { _ = await started.feed.run { _, _ in } }
            ConnectionGuard.onPeerGone(channel) { wait.cancel() }
            await wait.value
        }
        let task = await A2ATask.read(started.conversation, historyLength: params.historyLength)
        return ["task": task.json]
    }

    /// Resolves the conversation (`taskId`, else `contextId`, else a new one), subscribes to the
    /// turn and sends the message. A conversation cancelled earlier is resumed first: A2A has no
    /// resume verb, and a new message to a task is the request to go on.
    func start(_ params: A2AParams.Send, project: Project, id: JSONRPCID) async throws(JSONRPCError) -> Started {
        guard project.options.llm.isConfigured else {
            throw A2AError.make(
                A2AError.unsupportedOperation,
                "no_model: project '\(project.id)' configures no model (llm_base_url), so no agent answers its messages",
                metadata: ["reason": "no_model", "project_id": project.id], id: id)
        }
        let conversation = try await conversation(for: params, project: project, id: id)
        guard await conversation.hasModel else {
            throw A2AError.make(
                A2AError.unsupportedOperation, "no_model: the model of project '\(project.id)' could not be set up",
                metadata: ["reason": "no_model", "project_id": project.id], id: id)
        }
        if await conversation.llmContext()?["cancelled"]?.boolValue == true {
            do {
                try await conversation.resume()
            } catch {
                throw refused(error, id: id)
            }
        }
        let correlationId = Identifier.make("a2a")
        let feed = TurnFeed(runtime: runtime, projectId: project.id, conversationId: conversation.id, correlationId: correlationId)
        do {
            _ = try await conversation.send(.userMessage(text: params.text), correlationId: correlationId)
        } catch {
            throw refused(error, id: id)
        }
        return Started(conversation: conversation, correlationId: correlationId, feed: feed)
    }

    func getTask(_ query: A2AParams.TaskQuery, project: Project, id: JSONRPCID) async throws(JSONRPCError) -> JSONValue {
        let conversation = try await existing(query.id, project: project, id: id)
        return await A2ATask.read(conversation, historyLength: query.historyLength).json
    }

    /// Ends the running turn (its model request at once, its sandboxes killed before this
    /// returns) and answers the task as it is then. A task whose turn already ended is not
    /// cancelable (-32002), as A2A says for tasks in a terminal state.
    func cancelTask(_ query: A2AParams.TaskQuery, project: Project, id: JSONRPCID) async throws(JSONRPCError) -> JSONValue {
        let conversation = try await existing(query.id, project: project, id: id)
        let before = await A2ATask.read(conversation, historyLength: 0)
        guard !before.state.endsTurn else {
            throw A2AError.make(
                A2AError.taskNotCancelable,
                "task cannot be canceled: its newest turn is \(before.state.rawValue) already; send a message to start another",
                metadata: ["task_id": query.id, "state": before.state.rawValue], id: id)
        }
        await conversation.cancelPendingCalls()
        return await A2ATask.read(conversation, historyLength: query.historyLength).json
    }

    // MARK: -

    private func conversation(for params: A2AParams.Send, project: Project, id: JSONRPCID) async throws(JSONRPCError) -> Conversation {
        if let taskId = params.taskId {
            if let contextId = params.contextId, contextId != taskId {
                throw A2AError.invalidParams(
                    field: "message.contextId",
                    "'message.contextId' ('\(contextId)') must equal 'message.taskId' ('\(taskId)'): both name the conversation",
                    id: id)
            }
            return try await existing(taskId, project: project, id: id)
        }
        guard let contextId = params.contextId else { return try await create(nil, project: project, id: id) }
        if let found = try? await project.conversation(contextId) { return found }
        guard ProjectIdRule.problem(contextId) == nil else {
            throw A2AError.invalidParams(
                field: "message.contextId",
                "'message.contextId' names the conversation: 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
                id: id)
        }
        return try await create(contextId, project: project, id: id)
    }

    private func create(_ conversationId: String?, project: Project, id: JSONRPCID) async throws(JSONRPCError) -> Conversation {
        do {
            return try await project.startConversation(id: conversationId ?? Identifier.make("a2a"))
        } catch .duplicateConversation {
            // Two first messages of one context at once: the other one created it.
            if let conversationId, let found = try? await project.conversation(conversationId) { return found }
            throw refused(ProjectError.duplicateConversation(id: conversationId ?? ""), id: id)
        } catch {
            throw refused(error, id: id)
        }
    }

    private func existing(_ taskId: String, project: Project, id: JSONRPCID) async throws(JSONRPCError) -> Conversation {
        guard let conversation = try? await project.conversation(taskId) else { throw A2AError.taskNotFound(taskId, id: id) }
        return conversation
    }

    /// An engine refusal (a full queue, the conversation budget, a stopped project) as a
    /// JSON-RPC error carrying the engine's code.
    private func refused(_ error: some Error & CustomStringConvertible, id: JSONRPCID) -> JSONRPCError {
        let code: String
        switch error {
        case let error as ConversationError: code = error.code
        case let error as ProjectError: code = error.code
        default: code = "refused"
        }
        return A2AError.make(A2AError.refused, "\(code): \(error)", metadata: ["reason": code], id: id)
    }
}
