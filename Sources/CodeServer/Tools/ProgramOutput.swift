import Sandbox

/// Helpers the sandboxed tools share for reading what their program printed.
enum ProgramOutput {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The output of a program run as the caller's answer (`shell.run`, commands): status and
    /// both streams. A non-zero exit status is the program's answer, not a failure of the call.
    static func json(_ result: SandboxResult) -> JSONValue {
        [
            "exit_code": result.exitCode.map { .int(Int64($0)) } ?? .null,
            "signal": result.signal.map { .int(Int64($0)) } ?? .null,
            "stdout": .string(text(result.stdout)),
            "stderr": .string(text(result.stderr)),
        ]
    }

    /// `tool_error` with the program's stderr (or its status when it printed nothing), for a
    /// program that exited non-zero.
    static func failure(_ result: SandboxResult, _ what: String) -> ToolFailure {
        var message = text(result.stderr)
        while message.last == "\n" { message.removeLast() }
        if message.isEmpty { message = "\(what) failed with status \(result.shellStatus)" }
        return ToolFailure(.toolError, message)
    }
}
