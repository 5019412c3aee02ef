/// The names of the events the coordinator runtime emits itself. Policy events keep the names of
/// `SecurityEvent.Name`; these are the rest. Raw values are wire names and never change once shipped.
public enum EventName: String, Sendable, CaseIterable {
    case projectStarted = "project.started"
    case projectStopped = "project.stopped"
    /// A new asset snapshot is in place: `generation`, `counts`, `error_count`, `trigger`.
    case projectAssetsReloaded = "project.assets_reloaded"
    /// A reload was refused (`strict_asset_loading`: the previous snapshot stays) or the watcher
    /// could not run: `changed_paths`, `error`, `trigger`.
    case projectWatcherReloadFailed = "project.watcher_reload_failed"

    case conversationStarted = "conversation.started"
    case conversationStopped = "conversation.stopped"
    case conversationUserMessage = "conversation.user_message"
    case conversationToolRequested = "conversation.tool_requested"
    /// An event was refused because `conversation_max_queue_size` events were already waiting.
    case conversationQueueOverflow = "conversation.queue.overflow"

    case toolStarted = "tool.started"
    case toolCompleted = "tool.completed"
    /// The payload's `reason` is a `FailureReason` raw value.
    case toolFailed = "tool.failed"
    case toolTimeout = "tool.timeout"
    case toolCancelled = "tool.cancelled"
    /// The workers of cancelled calls were killed; with them, every process their tools started.
    case toolChildProcessesTerminated = "tool.child_processes_terminated"

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
    /// A connection the egress proxy let through, when it closed: destination, protocol, bytes.
    case networkConnection = "network.connection"
}
