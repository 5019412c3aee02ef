/// Why a tool call did not complete, as the stable code of `tool.failed`'s `reason` and of the
/// result clients see. Raw values are wire names and never change once shipped.
public enum FailureReason: String, Sendable, Hashable, CaseIterable {
    /// No tool of that name in the project's catalog.
    case unknownTool = "unknown_tool"
    /// The tool is a command or workflow whose file did not load; the message says why.
    case invalidDefinition = "invalid_definition"
    /// A workflow step failed and the workflow's `on_error` is `stop`; the output names the step.
    case workflowStepFailed = "workflow_step_failed"
    /// The arguments fail the tool's input schema, or a rule the schema cannot express.
    case invalidArguments = "invalid_arguments"
    /// The policy denied the call; the result carries the decision and its reason codes.
    case policyDenied = "policy_denied"
    /// `tool_max_concurrency` calls are already running in the project (0 refuses every call).
    case maxConcurrencyReached = "max_concurrency_reached"
    /// `tool_max_concurrency_per_conversation` calls are already running in the conversation.
    case conversationMaxConcurrencyReached = "conversation_max_concurrency_reached"
    /// No sandbox could be built (the host lacks a layer, the root vanished, the project stopped).
    case sandboxUnavailable = "sandbox_unavailable"
    /// The worker died or broke the protocol without anyone cancelling it.
    case workerCrashed = "worker_crashed"
    /// The command could not be executed (not found, not executable).
    case execFailed = "exec_failed"
    /// The tool ran and reported an error its program printed (`message` holds it).
    case toolError = "tool_error"
    /// A file tool's path names nothing (the message gives the path as the caller wrote it).
    case notFound = "not_found"
    /// `fs.read` or `fs.write` of a directory.
    case isADirectory = "is_a_directory"
    /// `fs.read` of something that is neither a regular file nor a directory (a socket, a fifo).
    case notAFile = "not_a_file"
    /// `fs.list` of something that is not a directory, or `fs.write` below a file.
    case notADirectory = "not_a_directory"
    /// The sandbox's view of the file refuses the access (mode bits, a read-only mount).
    case permissionDenied = "permission_denied"
    /// The result is larger than `tool_max_output_bytes`.
    case outputTooLarge = "output_too_large"
    /// One artifact of the result, nested ones included, is larger than `tool_max_artifact_bytes`.
    case artifactTooLarge = "artifact_too_large"
    /// A sandbox limit other than the timeout and the output cap ended the tool (memory, pids, …).
    case limitExceeded = "limit_exceeded"
    /// The call ran past its timeout; the worker killed its whole process tree.
    case timeout
    /// The call was cancelled; its worker and every process it started were killed.
    case cancelled
    /// The project is stopping or stopped; no new call starts.
    case projectStopped = "project_stopped"
}

/// A tool's own refusal or error, before or after the worker ran.
public struct ToolFailure: Error, Sendable, Equatable {
    public var reason: FailureReason
    public var message: String

    public init(_ reason: FailureReason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}
