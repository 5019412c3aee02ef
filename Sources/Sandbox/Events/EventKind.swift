/// Every kind of event the runtime records: the one list. The gate, conversations, projects, the
/// egress proxy, telemetry, alert rules, metrics and the journal all name events through this
/// type; no event name is spelled as a string anywhere else (`scripts/lint` checks). Raw values are
/// the wire names of the runbook and `docs/api.md`, and never change once shipped; an event read
/// back from the journal with a name missing here is a corrupt row, not a new kind.
public enum EventKind: String, Sendable, Hashable, CaseIterable {
    case projectStarted = "project.started"
    case projectStopped = "project.stopped"
    /// A new asset snapshot is in place: `generation`, `counts`, `error_count`, `trigger`.
    case projectAssetsReloaded = "project.assets_reloaded"
    /// A reload was refused (`strict_asset_loading`: the previous snapshot stays) or the watcher
    /// could not run: `changed_paths`, `error`, `trigger`.
    case projectWatcherReloadFailed = "project.watcher_reload_failed"

    case conversationStarted = "conversation.started"
    case conversationStopped = "conversation.stopped"
    case conversationUserMessage = "conversation.user.message"
    case conversationToolRequested = "conversation.tool_requested"
    /// An event was refused because `conversation_max_queue_size` events were already waiting.
    case conversationQueueOverflow = "conversation.queue.overflow"
    /// Streamed text of the model's answer, coalesced (`text`, `step`): never one per token.
    case conversationAssistantDelta = "conversation.assistant.delta"
    /// The model's final answer of a turn (`text`, `steps`).
    case conversationAssistantMessage = "conversation.assistant.message"
    /// `conversation cancel` interrupted a turn; the conversation waits for `resume`.
    case conversationCancelled = "conversation.cancelled"
    case conversationResumed = "conversation.resumed"
    /// A call the model proposed that never reached the gate (arguments not JSON or too large).
    case conversationToolRefused = "conversation.tool_refused"
    /// The model's reply that asked for tools (`content`, `tool_calls` as the model wrote them):
    /// with `conversation.tool_output`, what rebuilds the model's context after a restart.
    case conversationAssistantToolCalls = "conversation.assistant_tool_calls"
    /// What the model was told a tool call of its own returned (`tool_call_id`, `content`).
    case conversationToolOutput = "conversation.tool_output"
    /// A model request of a turn: `model`, `step`, `messages`, `tools`, `attempt`.
    case llmRequested = "llm.requested"
    /// A completion streamed to its end: `latency_ms`, `time_to_first_token_ms`, `tokens_in`,
    /// `tokens_out`, `finish_reason`, `tool_calls`.
    case llmCompleted = "llm.completed"
    /// A request or a turn failed; `reason` is an `LLMFailureReason` raw value.
    case llmFailed = "llm.failed"

    case toolStarted = "tool.started"
    /// `tool.completed`, `tool.failed`, `tool.timeout` and `tool.cancelled` end a call. The end of
    /// a conversation's call is also that conversation's journal entry (`entry_sequence` set):
    /// one row closes the call in the pending-calls projection and in the timeline.
    case toolCompleted = "tool.completed"
    /// The payload's `reason` is a `FailureReason` raw value.
    case toolFailed = "tool.failed"
    case toolTimeout = "tool.timeout"
    case toolCancelled = "tool.cancelled"
    /// The workers of cancelled calls were killed; with them, every process their tools started.
    case toolChildProcessesTerminated = "tool.child_processes_terminated"

    /// The policy let a call through (`decision`, `tool`, `reason`).
    case policyAllowed = "policy.allowed"
    /// The policy refused a call; `reason` is a `ReasonCode` raw value.
    case policyDenied = "policy.denied"
    /// A path argument resolved outside the project root.
    case sandboxViolation = "security.sandbox_violation"
    /// An `outside_root_allowlist` entry let a path through; the payload has its `reason_code`.
    case sandboxExceptionUsed = "security.sandbox_exception_used"
    case sensitivePathDenied = "security.sensitive_path_denied"
    /// The payload's `reason` is `network_denied`, `network_endpoint_denied` or
    /// `network_protocol_denied`; `source: kernel` when the kernel refused a connect.
    case networkDenied = "security.network_denied"
    case envDenied = "security.env_denied"
    /// The call arrived through a gateway (cli, http, mcp) missing from `protocol_allowlist`;
    /// the payload has the `protocol`.
    case protocolDenied = "security.protocol_denied"
    /// The result of a call carries something that looks like a credential.
    case sensitiveArtifactDetected = "security.sensitive_artifact_detected"
    /// `tool_timeout_alert_threshold` timeouts of one tool within `tool_timeout_alert_window_ms`.
    case repeatedTimeoutFailures = "security.repeated_timeout_failures"
    /// The kernel denied a syscall a `deny` rule matched (the worker's `syscall_denied`).
    case syscallDenied = "security.syscall_denied"
    /// The kernel refused to create or join a namespace (`namespace_denied`).
    case namespaceDenied = "security.namespace_denied"
    /// The tool was killed by seccomp (`syscall_killed`).
    case syscallKilled = "security.syscall_killed"
    /// A sandbox limit fired (`limit_exceeded`: memory, pids, output, file size, cpu, timeout).
    case limitExceeded = "security.limit_exceeded"
    /// A violation kind the worker reports that this build does not know yet; the payload's
    /// `kind` is the worker's word for it.
    case kernelViolation = "security.kernel_violation"
    /// A connection the egress proxy let through, when it closed: destination, protocol, bytes.
    case networkConnection = "network.connection"

    /// An alert rule fired; the payload is the alert (`rule`, `severity`, `evidence`, …).
    case alertRaised = "alert.raised"

    /// The wire name (`tool.failed`).
    public var wireName: String { rawValue }

    /// The policy's verdicts, which the journal also indexes as decisions.
    public var isPolicyDecision: Bool { self == .policyAllowed || self == .policyDenied }

    /// The `security.*` family: every one is an error for triage.
    public var isSecurity: Bool { rawValue.hasPrefix("security.") }

    /// The policy's verdict word (`allowed`, `denied`) for a decision.
    public var policyDecision: String? {
        switch self {
        case .policyAllowed: "allowed"
        case .policyDenied: "denied"
        default: nil
        }
    }
}
