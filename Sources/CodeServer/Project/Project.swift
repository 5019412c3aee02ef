import Sandbox

/// One project: a root directory, its options, and what the options build — the policy, the
/// assets of `.jido/` with their watcher, the tool catalog, the sandbox launcher with its warm
/// workers, the execution gate — plus its conversations. Nothing is shared with another project: each has its own gate, quotas, workers
/// and conversations, so one project's load or failure cannot reach another's.
public actor Project {
    private enum State {
        case running
        case stopped
    }

    public nonisolated let id: String
    /// The real path of the root, resolved once at start.
    public nonisolated let root: String
    /// The root held open at start: every host-side access to the project's files walks from it,
    /// and its identity is what the sandbox launcher must find at every prepare.
    public nonisolated let projectRoot: ProjectRoot
    public nonisolated let options: RuntimeOptions
    /// The effective sandbox profile of the project's tools (see `ProjectProfile`).
    public nonisolated let profile: Profile
    /// The current asset snapshot and its store.
    public nonisolated let assets: ProjectAssets
    private let reloader: AssetReloader
    /// The live reload of `.jido/`; nil when option `watcher` is off or the watch could not start.
    private var watch: WatchLoop?
    private let runner: ExecutionRunner
    private let sink: any RuntimeEventSink
    private let clock: any RuntimeClock
    /// Where conversations keep the durable copy of their journal (`EngineConfiguration`).
    private let journalStore: (any ConversationJournalStore)?

    /// The model of the project's conversations; nil when none is configured.
    private let chatModel: (any ChatModel)?

    private var state = State.running
    private var conversations: [String: Conversation] = [:]
    /// What the project's conversations keep for read-back together (`project_max_kept_result_bytes`).
    public nonisolated let keptResultsBudget: KeptResultsBudget

    /// Builds the project's services from validated options; the engine calls it after resolving
    /// the root. Starts the warm workers' preparer.
    init(
        id: String, root projectRoot: ProjectRoot, options: RuntimeOptions, configuration: EngineConfiguration,
        sink: any RuntimeEventSink, clock: any RuntimeClock
    ) throws(ProjectError) {
        let root = projectRoot.path
        let base = try Self.baseProfile(options.sandboxProfile, root: projectRoot)
        let profile = ProjectProfile.effective(base, options: options)
        let filter: SeccompProgram
        do {
            filter = try SeccompProgram(profile: profile)
        } catch {
            throw .sandboxUnavailable(reason: error.description)
        }
        try ProjectLayout.prepare(root: projectRoot, options: options)
        // Loaded before any worker is prepared: a strict project with a bad file fails here.
        let watchLimits = WatchLimits()
        let assets = try ProjectAssets(
            loader: AssetLoader(root: projectRoot, options: options, projectProfile: profile, watchLimits: watchLimits),
            strict: options.strictAssetLoading)
        let launcher = SandboxLauncher(
            executable: configuration.workerExecutable, root: root, rootIdentity: projectRoot.identity, profile: profile,
            filter: filter, warmWorkers: configuration.warmWorkersPerProject,
            maxWarmWorkers: configuration.maxWarmWorkersPerProject, preparers: configuration.workerPreparers)
        self.id = id
        self.root = root
        self.projectRoot = projectRoot
        self.options = options
        keptResultsBudget = KeptResultsBudget(maxBytes: options.projectMaxKeptResultBytes)
        self.profile = profile
        self.assets = assets
        self.sink = sink
        self.clock = clock
        journalStore = configuration.journalStore
        if options.llm.isConfigured, let provider = configuration.chatModels {
            do throws(OptionError) {
                chatModel = try provider.model(for: options.llm, projectId: id)
            } catch {
                throw .invalidOptions(OptionsError([error]))
            }
        } else {
            chatModel = nil
        }
        let reloader = AssetReloader(projectId: id, assets: assets, dataDir: options.dataDir, sink: sink, clock: clock)
        self.reloader = reloader
        runner = ExecutionRunner(
            projectId: id, options: options,
            policy: PolicyEngine(
                root: root, options: options, beneathChecker: configuration.beneathChecker,
                // Before the exceptions are lifted, so a write to a lifted path is still recorded.
                protectedPaths: base.filesystem.protectedPaths),
            assets: assets, launcher: launcher, sink: sink, clock: clock)
        if options.watcher {
            do throws(WatcherError) {
                // A burst that never pauses still reloads every 4 quiet periods (at least 1 s).
                let quietMs = Int64(options.watcherDebounceMs)
                watch = try WatchLoop(
                    root: projectRoot.files, base: AssetLoader.directory, skip: Self.dataDirBelowAssets(options.dataDir),
                    maximumDirectories: options.watcherMaxDirectories, maximumDepth: options.watcherMaxDepth,
                    limits: watchLimits, quietMs: quietMs, maxWaitMs: max(quietMs * 4, 1000),
                    onBatch: { batch in reloader.watcherBatch(batch) })
                // Bounds hit while the first watches were set become asset errors now, not at the
                // next change.
                if !watchLimits.issues().isEmpty { _ = reloader.reload(.watcher(changedPaths: [AssetLoader.directory])) }
            } catch {
                reloader.watcherUnavailable(error)
            }
        }
    }

    /// The data directory relative to `.jido/` when it lies inside it: the watcher leaves it out.
    private static func dataDirBelowAssets(_ dataDir: String) -> Set<String> {
        let prefix = AssetLoader.directory + "/"
        return dataDir.hasPrefix(prefix) ? [String(dataDir.dropFirst(prefix.count))] : []
    }

    /// The tools as of the current asset snapshot.
    public nonisolated var catalog: ToolCatalog { assets.catalog }

    /// The profile `sandbox_profile` names. A file named by a relative path is the project's own,
    /// written by anyone with the project's tools: it is read beneath the root's handle (no link
    /// followed, regular files only), never through the path.
    private static func baseProfile(_ nameOrPath: String, root: ProjectRoot) throws(ProjectError) -> Profile {
        do {
            guard nameOrPath.contains("/") && !nameOrPath.hasPrefix("/") else {
                return try ProfileResolver.resolve(nameOrPath: nameOrPath)
            }
            let bytes = try root.files.readRegularFile(nameOrPath, limit: 1 << 20)
            return try ProfileDecoder.decode(text: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw .invalidProfile(name: nameOrPath, reason: "\(error)")
        }
    }

    // MARK: - Conversations

    /// How many finished results a conversation keeps for read-back: as many as it can have
    /// inputs waiting (`conversation_max_queue_size`), so a client that fills the queue with
    /// async calls can read every one of their results, however fast they finish. A fixed 1024
    /// held about 2.5 KiB of heap per small result, 2.5 MiB per busy conversation, the soak's
    /// second largest growth after the journal's page cache (issue 12); the journal keeps them all.
    static func keptResults(_ options: RuntimeOptions) -> Int { options.conversationMaxQueueSize }

    /// Starts a conversation; `id` is generated when absent.
    public func startConversation(id: String? = nil) async throws(ProjectError) -> Conversation {
        guard case .running = state else { throw .projectStopped(id: self.id) }
        let conversationId = id ?? Identifier.make("conv")
        guard conversations[conversationId] == nil else { throw .duplicateConversation(id: conversationId) }
        guard conversations.count < options.projectMaxConversations else {
            throw .conversationBudget(limit: options.projectMaxConversations)
        }
        let conversation = Conversation(
            id: conversationId, projectId: self.id, runner: runner, maxQueueSize: options.conversationMaxQueueSize,
            sink: sink, clock: clock, journalStore: journalStore, resultCapacity: Self.keptResults(options),
            resultBytes: options.conversationMaxKeptResultBytes, projectResults: keptResultsBudget)
        conversations[conversationId] = conversation
        await giveAgent(to: conversation)
        await conversation.recordStart()
        return conversation
    }

    /// Brings back the conversations the journal has as open (started, not stopped): the step of
    /// a restart after the project itself is back. Nothing is emitted: they never stopped.
    func restoreConversations() async throws(ProjectError) {
        guard let journalStore else { return }
        let stored: [StoredConversation]
        do {
            stored = try journalStore.openConversations(project: id, limit: 10_000)
        } catch {
            throw .storeUnavailable(reason: "\(error)")
        }
        for record in stored where conversations[record.id] == nil {
            let conversation = Conversation(
                id: record.id, projectId: self.id, runner: runner, maxQueueSize: options.conversationMaxQueueSize,
                sink: sink, clock: clock, journalStore: journalStore, resultCapacity: Self.keptResults(options),
                resultBytes: options.conversationMaxKeptResultBytes, projectResults: keptResultsBudget)
            conversations[record.id] = conversation
            await giveAgent(to: conversation)
            await conversation.restore(from: record.entries)
        }
    }

    private func giveAgent(to conversation: Conversation) async {
        guard let chatModel else { return }
        let assets = self.assets
        await conversation.adopt(
            ConversationAgent(
                projectId: id, conversationId: conversation.id, model: chatModel, options: options.llm,
                catalog: { assets.catalog }, sink: sink, clock: clock))
    }

    /// Stops a conversation: its running calls are cancelled (their process trees die) and it
    /// refuses further input. It stays readable (timeline, results) through the handle callers hold.
    public func stopConversation(_ conversationId: String) async throws(ProjectError) {
        guard let conversation = conversations.removeValue(forKey: conversationId) else {
            throw .unknownConversation(id: conversationId)
        }
        await conversation.stop()
    }

    public func conversation(_ conversationId: String) throws(ProjectError) -> Conversation {
        guard let conversation = conversations[conversationId] else { throw .unknownConversation(id: conversationId) }
        return conversation
    }

    /// Ids of the running conversations, sorted.
    public var conversationIds: [String] { conversations.keys.sorted() }

    // MARK: - Calls outside conversations

    /// Runs a call made outside any conversation (a CLI verb, a direct API call) through the same
    /// gate as conversation calls.
    public func execute(_ call: ToolCall) async -> ToolResult {
        await runner.execute(call)
    }

    /// The same with the caller's cancellation handle, for a call that outlives its request (an
    /// async call made outside a conversation): cancelling `handle` kills its sandbox.
    public func execute(_ call: ToolCall, handle: CallHandle) async -> ToolResult {
        await runner.execute(call, handle: handle)
    }

    // MARK: - Assets

    /// Reads `.jido/` again now, whatever the watcher saw, and returns what the reload did (with
    /// `strict_asset_loading`, a rejected reload keeps the previous snapshot).
    public func reloadAssets() async throws(ProjectError) -> AssetReloadResult {
        guard case .running = state else { throw .projectStopped(id: id) }
        let reloader = self.reloader
        guard let result = await BlockingThread.run({ reloader.reload(.manual) }) else {
            throw .resourceExhausted(reason: "no thread could be started for the reload")
        }
        return result
    }

    // MARK: - Lifecycle

    public var isRunning: Bool { if case .running = state { true } else { false } }

    /// Stops every conversation (cancelling their calls), kills any other running call, and
    /// discards the warm workers. Idempotent.
    func stop() async {
        guard case .running = state else { return }
        state = .stopped
        let open = conversations.values
        conversations.removeAll()
        for conversation in open { await conversation.stop() }
        if let watch {
            self.watch = nil
            // Joins the watcher's thread, which may be in the middle of a reload.
            _ = await BlockingThread.run { watch.stop() }
        }
        await runner.stop()
        sink.emit(RuntimeEvent(projectId: id, atMs: clock.nowMs(), payload: .projectStopped))
    }

    private var assetDiagnostics: JSONValue {
        let snapshot = assets.snapshot
        return [
            "generation": .int(Int64(snapshot.generation)), "counts": snapshot.countsJSON,
            "error_count": .int(Int64(snapshot.issues.count)), "errors": .array(snapshot.issues.map(\.json)),
            "invalid_tools": .array(snapshot.catalog.invalid.map(\.json)), "watching": .bool(watch != nil),
        ]
    }

    /// Prepared sandboxes waiting for a call: the idle warm workers, not those running a tool.
    public nonisolated var warmWorkers: Int { runner.warmWorkers }

    public var diagnostics: JSONValue {
        get async {
            [
                "project_id": .string(id), "root": .string(root), "state": .string(isRunning ? "running" : "stopped"),
                // The directory held since start; `path_names_root` false means the path was moved
                // or replaced (calls keep using the held directory or fail; nothing follows the path).
                "root_handle": [
                    "device": .int(Int64(bitPattern: projectRoot.identity.device)),
                    "inode": .int(Int64(bitPattern: projectRoot.identity.inode)),
                    "path_names_root": .bool(projectRoot.pathStillNamesRoot),
                ],
                "conversations": .array(conversations.keys.sorted().map(JSONValue.string)),
                "execution": await runner.diagnostics, "options": options.effectiveJSON,
                "assets": assetDiagnostics,
                "network_allowlist_enforcement": .string(
                    options.networkEgressPolicy == .allow
                        ? "kernel: empty network namespace; connections only through the egress proxy (execution.egress)"
                        : "kernel: empty network namespace"),
            ]
        }
    }
}
