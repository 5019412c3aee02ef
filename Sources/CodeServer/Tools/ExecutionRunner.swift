import Sandbox

/// The one gate every tool call of a project goes through, from every face:
///
/// catalog → schema → environment → policy → quotas → sandboxed worker → output and artifact
/// caps → sensitive-artifact scan → telemetry.
///
/// Each stage can end the call with a `ToolResult` and a reason; none throws and none crashes the
/// project. The actor owns the mutable state of the gate (quota slots, the timeout window, the
/// running calls); the blocking worker calls run on threads of their own, so while one call's
/// tool runs the actor keeps admitting and finishing others.
public actor ExecutionRunner {
    private enum State {
        case running
        case stopped
    }

    /// How an admitted call will run: in memory, in a worker with this invocation, or as a
    /// workflow's steps.
    private enum Plan {
        case coordinator(any CoordinatorTool)
        case sandboxed(any SandboxedTool, SandboxInvocation)
        case workflow(WorkflowDefinition)
    }

    public nonisolated let projectId: String
    private let options: RuntimeOptions
    private let policy: PolicyEngine
    /// The project's assets; its catalog is read per call, so a reload changes the tools of the
    /// next call and never those of one already admitted.
    private let assets: any AssetStore
    private let launcher: SandboxLauncher
    private let sink: any RuntimeEventSink
    private let clock: any RuntimeClock
    private let validator = SchemaValidator()
    private let caps: OutputCaps
    private let scanner = SensitiveScanner()
    /// The project's egress proxy (`network_egress_policy: allow`); nil keeps every sandbox's
    /// network closed.
    private let egress: EgressProxy?

    private var state = State.running
    private var quota: ConcurrencyQuota
    private var timeouts: TimeoutAlertWindow
    /// Who the project's sandboxes run as (`diagnostics`), asked once it is known.
    private var uidIsolation: SandboxUIDIsolation?
    /// The handles of calls past the quota stage, by call id: what `stop()` cancels.
    private var inFlight: [String: CallHandle] = [:]
    /// Calls whose ending (`tool.completed`, `tool.failed`, `tool.timeout`, `tool.cancelled`)
    /// their conversation journals, and those endings, held here instead of emitted until
    /// `executeJournaled` hands them back.
    private var journaledCalls: Set<String> = []
    private var heldEndings: [String: RuntimeEvent] = [:]

    public init(
        projectId: String, options: RuntimeOptions, policy: PolicyEngine, assets: any AssetStore,
        launcher: SandboxLauncher, sink: any RuntimeEventSink, clock: any RuntimeClock
    ) {
        self.projectId = projectId
        self.options = options
        self.policy = policy
        self.assets = assets
        self.launcher = launcher
        self.sink = sink
        self.clock = clock
        caps = OutputCaps(maxOutputBytes: options.toolMaxOutputBytes, maxArtifactBytes: options.toolMaxArtifactBytes)
        quota = ConcurrencyQuota(
            projectLimit: options.toolMaxConcurrency, conversationLimit: options.toolMaxConcurrencyPerConversation)
        timeouts = TimeoutAlertWindow(
            threshold: options.toolTimeoutAlertThreshold, windowMs: options.toolTimeoutAlertWindowMs)
        // Fails closed: without a proxy, the sandboxes keep an empty network namespace and no route.
        egress =
            options.networkEgressPolicy == .allow
            ? try? EgressProxy(
                projectId: projectId, policy: EgressPolicy(options: options), limits: EgressLimits(options: options),
                sink: sink)
            : nil
    }

    /// Runs `call` through the gate. Cancelling the calling task, or `handle`, kills the call's
    /// worker and its whole process tree; the result is then `cancelled`.
    public func execute(_ call: ToolCall, handle: CallHandle = CallHandle()) async -> ToolResult {
        await withTaskCancellationHandler {
            await gate(call, handle)
        } onCancel: {
            handle.cancel()
        }
    }

    /// `execute` for a call of a conversation, whose ending is one of the conversation's journal
    /// entries: the ending event is returned, not emitted, and the conversation records it (with
    /// its entry number) as the one row that says how the call ended. A workflow's steps are
    /// calls of their own, whose endings are emitted as usual.
    func executeJournaled(_ call: ToolCall, handle: CallHandle) async -> (result: ToolResult, ending: RuntimeEvent) {
        journaledCalls.insert(call.id)
        let result = await execute(call, handle: handle)
        journaledCalls.remove(call.id)
        guard let ending = heldEndings.removeValue(forKey: call.id) else {
            preconditionFailure("every way out of the gate ends the call")
        }
        return (result, ending)
    }

    /// Refuses new calls, kills the workers of running ones, and discards the warm workers.
    public func stop() async {
        guard case .running = state else { return }
        state = .stopped
        for handle in inFlight.values { handle.cancel() }
        egress?.stop()
        let launcher = self.launcher
        _ = await BlockingThread.run { launcher.shutdown() }
    }

    /// Prepared sandboxes waiting for a call (see `SandboxLauncher.warmWorkers`). Nonisolated:
    /// the count lives in the pool, not in the actor, so a scrape need not queue behind calls.
    public nonisolated var warmWorkers: Int { launcher.warmWorkers }

    /// Calls running now, in the project and per conversation, the egress proxy, and whether the
    /// sandboxes run as host uids of their own (probed once, off the actor: it makes a namespace
    /// and an idmapped tree of each mount the sandbox would idmap).
    public var diagnostics: JSONValue {
        get async {
            // Asked again while unknown: the root may be back.
            if uidIsolation == nil || uidIsolation?.state == .unknown {
                let launcher = self.launcher
                uidIsolation = await BlockingThread.run {
                    SandboxUIDIsolation.of(
                        profile: launcher.profile, root: launcher.layout.root, rootIdentity: launcher.rootIdentity)
                }
            }
            return diagnosticsNow
        }
    }

    private var diagnosticsNow: JSONValue {
        [
            "sandbox_uid": uidIsolation?.json ?? .null,
            "running": .int(Int64(quota.running)),
            "running_by_conversation": .object(quota.runningByConversation.mapValues { .int(Int64($0)) }),
            "max_concurrency": .int(Int64(quota.projectLimit)),
            "max_concurrency_per_conversation": .int(Int64(quota.conversationLimit)),
            "profile": ["name": .string(launcher.profile.name), "network": .string(launcher.profile.network.mode.rawValue)],
            "egress": egressDiagnostics,
        ]
    }

    private var egressDiagnostics: JSONValue {
        guard options.networkEgressPolicy == .allow else { return ["state": "off"] }
        if launcher.profile.network.mode == .host {
            return ["state": "unenforced", "warning": "the profile uses the host's network: network_allowlist is checked on arguments only"]
        }
        guard let egress else {
            return ["state": "unavailable", "warning": "the egress proxy could not start: sandboxes have no network"]
        }
        return ["state": "proxy", "proxy": .string("127.0.0.1:\(egress.port)")]
    }

    // MARK: - The stages

    private func gate(_ call: ToolCall, _ handle: CallHandle) async -> ToolResult {
        Trace.mark("gate: start \(call.id)")
        let startedAt = clock.nowMs()
        guard case .running = state else {
            return refuse(call, ToolFailure(.projectStopped, "project \(projectId) is stopped"), startedAt)
        }
        let catalog = assets.catalog
        guard let tool = catalog.tool(named: call.tool) else {
            if let invalid = catalog.invalidTool(named: call.tool) {
                let failure = ToolFailure(.invalidDefinition, "\(call.tool) is invalid (\(invalid.path)): \(invalid.reason)")
                return refuse(call, failure, startedAt)
            }
            return refuse(call, ToolFailure(.unknownTool, "no tool named '\(call.tool)'"), startedAt)
        }
        let schemaViolations = validator.validate(call.arguments, against: tool.inputSchema)
        guard schemaViolations.isEmpty else {
            let message = schemaViolations.map(\.description).joined(separator: "; ")
            return refuse(call, ToolFailure(.invalidArguments, message), startedAt)
        }
        // Built before the policy runs: rules a schema cannot express are argument errors too.
        let plan: Plan
        switch tool.execution {
        case .coordinator(let coordinatorTool):
            plan = .coordinator(coordinatorTool)
        case .workflow(let definition):
            plan = .workflow(definition)
        case .sandboxed(let sandboxedTool):
            do {
                plan = .sandboxed(
                    sandboxedTool, try sandboxedTool.invocation(arguments: call.arguments, layout: launcher.layout))
            } catch {
                return refuse(call, error, startedAt)
            }
        }
        let environment = ToolEnvironment.requested(in: call.arguments)
        let decision = policy.evaluate(
            PolicyCall(
                projectId: projectId, conversationId: call.conversationId, correlationId: call.correlationId,
                tool: call.tool, arguments: call.arguments, hints: tool.hints,
                environmentNames: environment.map(\.0), gateway: call.gateway),
            atMs: startedAt)
        Trace.mark("gate: policy evaluated \(call.id)")
        for event in decision.events {
            emit(event, call, at: decision.atMs)
        }
        Trace.mark("gate: policy events emitted \(call.id)")
        guard decision.isAllowed else {
            return refuse(call, ToolFailure(.policyDenied, decision.reason), startedAt, decision: decision)
        }
        if case .workflow(let definition) = plan {
            return await runWorkflow(definition, call, handle, decision, startedAt)
        }
        if let refusal = quota.acquire(conversationId: call.conversationId) {
            let limit = refusal == .maxConcurrencyReached ? "tool_max_concurrency" : "tool_max_concurrency_per_conversation"
            return refuse(call, ToolFailure(refusal, "\(limit) calls are already running"), startedAt, decision: decision)
        }
        inFlight[call.id] = handle
        emit(.toolStarted(ToolStarted(callId: call.id, tool: call.tool)), call, at: startedAt)
        Trace.mark("gate: tool.started emitted \(call.id)")

        let result: ToolResult
        switch plan {
        case .coordinator(let coordinatorTool):
            do {
                let output = try coordinatorTool.run(arguments: call.arguments, assets: assets)
                result = finishOutput(output, call, decision, [], startedAt)
            } catch {
                result = finish(call, .failed, error, decision, [], startedAt)
            }
        case .sandboxed(let sandboxedTool, let invocation):
            let (outcome, network) =
                await runInWorker(invocation, call, handle, streamOutput: sandboxedTool.outputIsTheProgramsOwn) ?? (nil, nil)
            Trace.mark("gate: worker returned \(call.id)")
            var interpreted = interpret(outcome, invocation, sandboxedTool, call, handle, decision, startedAt)
            interpreted.network = network
            result = interpreted
            Trace.mark("gate: result interpreted and emitted \(call.id)")
        case .workflow:
            preconditionFailure("workflows returned above")
        }
        inFlight[call.id] = nil
        quota.release(conversationId: call.conversationId)
        return result
    }

    /// A workflow: each step is a call of its own through this gate (schema, policy, quotas,
    /// worker, caps), with the workflow's conversation and correlation ids. The workflow holds no
    /// quota slot itself: it runs nothing, and holding one while its steps wait for theirs would
    /// deadlock at `tool_max_concurrency` 1.
    private func runWorkflow(
        _ definition: WorkflowDefinition, _ call: ToolCall, _ handle: CallHandle, _ decision: Decision,
        _ startedAt: Int64
    ) async -> ToolResult {
        inFlight[call.id] = handle
        defer { inFlight[call.id] = nil }
        emit(.toolStarted(ToolStarted(callId: call.id, tool: call.tool)), call, at: startedAt)
        Trace.mark("gate: tool.started emitted \(call.id)")
        var run = WorkflowRun(definition, arguments: call.arguments)
        for step in definition.steps {
            switch run.arguments(for: step) {
            case .failure(let error):
                run.record(step, renderError: error)
            case .success(let arguments):
                let stepHandle = CallHandle()
                guard handle.delegate(to: stepHandle) else { break }
                let stepCall = ToolCall(
                    tool: step.tool, arguments: arguments, conversationId: call.conversationId,
                    correlationId: call.correlationId, gateway: call.gateway)
                let result = await gate(stepCall, stepHandle)
                handle.endDelegation()
                run.record(step, result)
            }
            if handle.isCancelled {
                return finish(call, .cancelled, ToolFailure(.cancelled, "the call was cancelled"), decision, [], startedAt)
            }
            if run.failed(step) && definition.onError == .stop {
                let failure = ToolFailure(.workflowStepFailed, "step '\(step.id)' failed")
                return finish(call, .failed, failure, decision, [], startedAt, output: run.output)
            }
        }
        return finishOutput(run.output, call, decision, [], startedAt)
    }

    /// The worker stage, on a thread of its own: take a prepared worker, attach it to the handle
    /// (so a cancel kills it), run, and report each kernel violation as it happens.
    private func runInWorker(
        _ plan: SandboxInvocation, _ call: ToolCall, _ handle: CallHandle, streamOutput: Bool
    ) async -> (Result<SandboxResult, SandboxError>, EgressReport?)? {
        let launcher = self.launcher
        let sink = self.sink
        let projectId = self.projectId
        // Egress only for an empty network namespace: a profile that asks for the host's network
        // has it (and diagnostics say so), with nothing to route.
        let proxy = (plan.sandbox?.profile ?? launcher.profile).network.mode == .none ? egress : nil
        Trace.mark("gate: to blocking thread \(call.id)")
        return await BlockingThread.run { () -> (Result<SandboxResult, SandboxError>, EgressReport?) in
            Trace.mark("gate: on blocking thread \(call.id)")
            let route = proxy?.register(call)
            let outcome = Self.runWorker(
                launcher, plan, call, handle, route, sink: sink, projectId: projectId, streamOutput: streamOutput)
            return (outcome, route.flatMap { proxy?.finish($0) })
        }
    }

    /// Takes a prepared worker, attaches it to the handle (so a cancel kills it) and runs the
    /// command with the call's egress route, reporting each kernel violation as it happens.
    @available(*, noasync)
    private static func runWorker(
        _ launcher: SandboxLauncher, _ plan: SandboxInvocation, _ call: ToolCall, _ handle: CallHandle,
        _ route: EgressRoute?, sink: any RuntimeEventSink, projectId: String, streamOutput: Bool
    ) -> Result<SandboxResult, SandboxError> {
        do throws(SandboxError) {
            let worker = try launcher.acquire(timeoutMs: plan.timeoutMs, sandbox: plan.sandbox)
            Trace.mark("gate: worker acquired \(call.id)")
            guard handle.attach(worker) else {
                return .failure(.protocolViolation(reason: "the call was cancelled before its tool started"))
            }
            defer { handle.finish() }
            let ran = try worker.run(
                argv: plan.argv, env: plan.environment, cwd: plan.cwd, egress: route,
                // Only a program's own streams: a file tool's program prints a format of ours (find's
                // records), which the result decodes.
                onOutput: streamOutput
                    ? handle.observer.map { observer in { observer(.output(stream: $0, bytes: $1)) } } : nil
            ) { violation in
                sink.emit(KernelViolationEvent.event(violation, call: call, projectId: projectId))
                handle.observer?(.violation(violation))
            }
            Trace.mark("gate: worker ran \(call.id)")
            return .success(ran)
        } catch {
            return .failure(error)
        }
    }

    private func interpret(
        _ outcome: Result<SandboxResult, SandboxError>?, _ plan: SandboxInvocation, _ tool: any SandboxedTool,
        _ call: ToolCall, _ handle: CallHandle, _ decision: Decision, _ startedAt: Int64
    ) -> ToolResult {
        if handle.isCancelled {
            let ran = try? outcome?.get()
            return finish(
                call, .cancelled, ToolFailure(.cancelled, "the call was cancelled"), decision, ran?.violations ?? [],
                startedAt, sandbox: ran)
        }
        let result: SandboxResult
        switch outcome {
        case nil:
            return finish(
                call, .failed, ToolFailure(.sandboxUnavailable, "no thread could be started for the worker"), decision, [],
                startedAt)
        case .failure(.protocolViolation(let reason)):
            return finish(call, .failed, ToolFailure(.workerCrashed, reason), decision, [], startedAt)
        case .failure(let error):
            return finish(call, .failed, ToolFailure(.sandboxUnavailable, "\(error.code): \(error)"), decision, [], startedAt)
        case .success(let value):
            result = value
        }
        if result.timedOut {
            let timeoutMs = min(plan.timeoutMs ?? options.toolTimeoutMs, options.toolTimeoutMs)
            return finishTimeout(call, timeoutMs, decision, result, startedAt)
        }
        if let execError = result.execError {
            // The status a shell would give (126 not executable, 127 not found), for `jcs tool run`.
            let status: JSONValue = ["exit_code": result.exitCode.map { .int(Int64($0)) } ?? .null]
            return finish(
                call, .failed, ToolFailure(.execFailed, execError), decision, result.violations, startedAt, output: status,
                sandbox: result)
        }
        // The output cap ending the tool is not a failure: what it printed is cut and flagged
        // (`OutputTruncation`), as `jcs sandbox run` does.
        if let limit = result.limitFired, limit != .output, result.exitCode == nil {
            let failure = ToolFailure(.limitExceeded, "the sandbox's \(limit.rawValue) limit ended the tool")
            return finish(call, .failed, failure, decision, result.violations, startedAt, sandbox: result)
        }
        do {
            let output = try tool.output(of: result, arguments: call.arguments, layout: launcher.layout)
            return finishOutput(output, call, decision, result.violations, startedAt, sandbox: result)
        } catch {
            return finish(call, .failed, error, decision, result.violations, startedAt, sandbox: result)
        }
    }

    // MARK: - Endings

    /// Caps, then the sensitive-artifact scan, then `tool.completed`.
    private func finishOutput(
        _ output: JSONValue, _ call: ToolCall, _ decision: Decision, _ violations: [Violation], _ startedAt: Int64,
        sandbox: SandboxResult? = nil
    ) -> ToolResult {
        var output = output
        if caps.check(output) != nil || Self.wasCut(output) {
            guard let fitted = OutputTruncation.fit(output, caps: caps) else {
                return finish(call, .failed, caps.check(output) ?? ToolFailure(.outputTooLarge, "the output does not fit"),
                    decision, violations, startedAt, sandbox: sandbox)
            }
            output = fitted
        }
        let findings = scanner.scan(output)
        let now = clock.nowMs()
        if !findings.isEmpty {
            emit(
                .sensitiveArtifactDetected(
                    SensitiveArtifactDetected(callId: call.id, tool: call.tool, findings: findings.map(\.json))),
                call, at: now)
        }
        // A program's own status, so an event stream shows how it ended; a limit can fire without
        // ending the tool (a refused fork at the pids limit).
        let completed = ToolCompleted(
            callId: call.id, tool: call.tool, durationMs: now - startedAt, sensitive: !findings.isEmpty,
            exitCode: output["exit_code"]?.intValue.map(Int64.init), signal: output["signal"]?.intValue.map(Int64.init),
            limits: sandbox.map(FiredLimits.init))
        end(.toolCompleted(completed), call, at: now)
        return ToolResult(
            call: call, status: .completed, output: output, decision: decision, violations: violations,
            sensitiveFindings: findings, durationMs: now - startedAt)
    }

    /// Whether the sandbox already cut one of the output's streams (its notice is still due).
    private static func wasCut(_ output: JSONValue) -> Bool {
        ["stdout_truncated", "stderr_truncated", "truncated"].contains { output[$0]?.boolValue == true }
    }

    private func finishTimeout(
        _ call: ToolCall, _ timeoutMs: Int, _ decision: Decision, _ result: SandboxResult, _ startedAt: Int64
    ) -> ToolResult {
        let now = clock.nowMs()
        let timeout = ToolTimeout(
            callId: call.id, tool: call.tool, timeoutMs: Int64(timeoutMs), durationMs: Int64(result.durationMs),
            limits: FiredLimits(result))
        end(.toolTimeout(timeout), call, at: now)
        if let count = timeouts.record(tool: call.tool, atMs: now) {
            let repeated = RepeatedTimeoutFailures(
                callId: call.id, tool: call.tool, count: Int64(count), threshold: Int64(timeouts.threshold),
                windowMs: timeouts.windowMs)
            emit(.repeatedTimeoutFailures(repeated), call, at: now)
        }
        return ToolResult(
            call: call, status: .timeout, reason: .timeout, message: "the call ran longer than \(timeoutMs) ms",
            decision: decision, violations: result.violations, durationMs: now - startedAt)
    }

    /// A call that ended without output: `tool.cancelled` or `tool.failed` with the reason.
    /// `sandbox` is the worker's result when the tool ran in one.
    private func finish(
        _ call: ToolCall, _ status: ToolResult.Status, _ failure: ToolFailure, _ decision: Decision?,
        _ violations: [Violation], _ startedAt: Int64, output: JSONValue? = nil, sandbox: SandboxResult? = nil
    ) -> ToolResult {
        let now = clock.nowMs()
        let limits = sandbox.map(FiredLimits.init)
        if status == .cancelled {
            end(.toolCancelled(ToolCancelled(callId: call.id, tool: call.tool, limits: limits)), call, at: now)
        } else {
            // A workflow's first failed step, `null` when no step failed (written as the workflow wrote it).
            let failedStep: String?? = output?["failed_step"].map { $0.stringValue }
            let failed = ToolFailed(
                callId: call.id, tool: call.tool, reason: failure.reason, message: failure.message, failedStep: failedStep,
                reasonCodes: decision.flatMap { $0.isAllowed ? nil : $0.reasonCodes }, limits: limits)
            end(.toolFailed(failed), call, at: now)
        }
        return ToolResult(
            call: call, status: status, reason: failure.reason, message: failure.message, output: output,
            decision: decision, violations: violations, durationMs: now - startedAt)
    }

    private func refuse(_ call: ToolCall, _ failure: ToolFailure, _ startedAt: Int64, decision: Decision? = nil) -> ToolResult {
        finish(call, .failed, failure, decision, [], startedAt)
    }

    /// Every event of a call names it (`call_id`), the policy's too, so an alert's evidence leads
    /// to the call whatever stage produced it.
    private func emit(_ payload: EventPayload, _ call: ToolCall, at atMs: Int64) {
        sink.emit(event(payload, call, at: atMs))
    }

    /// The call's ending: emitted, or held for its conversation's journal (`executeJournaled`).
    private func end(_ payload: EventPayload, _ call: ToolCall, at atMs: Int64) {
        let ending = event(payload, call, at: atMs)
        if journaledCalls.contains(call.id) {
            heldEndings[call.id] = ending
        } else {
            sink.emit(ending)
        }
    }

    private func event(_ payload: EventPayload, _ call: ToolCall, at atMs: Int64) -> RuntimeEvent {
        RuntimeEvent(
            projectId: projectId, conversationId: call.conversationId, correlationId: call.correlationId, atMs: atMs,
            payload: payload.naming(call: call.id))
    }
}
