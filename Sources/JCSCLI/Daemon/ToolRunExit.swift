import ArgumentParser
import Sandbox

/// The exit status of `jcs tool run` (and `jcs tool result`) for a call's result, the same
/// conventions as `jcs sandbox run`, `docker run` and `timeout(1)`: a completed program's own
/// status, 124 for a timeout, 128+N for signal N; refusals and failures of the gate get sysexits
/// codes that a script can tell apart from each other and from "the daemon refused the request"
/// (1) and "no daemon" (3). The table is `help`, printed by the verbs and the README.
enum ToolRunExit {
    static let help = """
        EXIT STATUS
          N      completed: the program's own status (shell.run, command.run.*);
                 0 for every other tool
          1      the daemon refused the request (unknown project, conversation, …)
          3      the daemon is unreachable
          64     usage error (bad --args JSON, a missing argument)
          65     refused: invalid_arguments, unknown_tool or invalid_definition
          66     the file is missing or not a file: not_found, is_a_directory,
                 not_a_file
          69     refused for capacity: max_concurrency_reached,
                 conversation_max_concurrency_reached, project_stopped
          77     refused by the policy: policy_denied
          124    the call timed out
          125    the call failed: sandbox_unavailable, worker_crashed,
                 limit_exceeded, tool_error, workflow_step_failed, …
          126    the program is not executable; 127: it was not found
          128+N  signal N ended the program
          130    the call was cancelled (Ctrl-C, `jcs tool cancel`)
        """

    static let cancelled: Int32 = 130

    /// The status for `result` (a tool result object, as `--json` prints it).
    static func status(of result: JSONValue) -> Int32 {
        let output = result["output"]
        switch result["status"]?.stringValue {
        case "completed":
            return programStatus(output) ?? 0
        case "timeout":
            return 124
        case "cancelled":
            return cancelled
        default:
            break
        }
        switch result["reason"]?.stringValue ?? "" {
        case "invalid_arguments", "unknown_tool", "invalid_definition": return 65
        case "not_found", "is_a_directory", "not_a_file": return 66
        case "max_concurrency_reached", "conversation_max_concurrency_reached", "project_stopped": return 69
        case "policy_denied": return 77
        case "timeout": return 124
        case "cancelled": return cancelled
        case "exec_failed": return programStatus(output) ?? 127
        default: return 125
        }
    }

    /// `exit_code`, else 128+`signal`, of a program's output object; nil for other outputs.
    static func programStatus(_ output: JSONValue?) -> Int32? {
        if let code = output?["exit_code"]?.intValue { return Int32(truncatingIfNeeded: code) }
        if let signal = output?["signal"]?.intValue { return 128 + Int32(truncatingIfNeeded: signal) }
        return nil
    }
}
