import Sandbox

/// Helpers the sandboxed tools share for reading what their program printed.
enum ProgramOutput {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The output of a program run as the caller's answer (`shell.run`, commands): status and
    /// both streams. A non-zero exit status is the program's answer, not a failure of the call.
    /// A stream that is not valid UTF-8 comes back as base64 with `stdout_encoding`/`stderr_encoding`
    /// `base64`, so no byte is lost; `stdout_truncated`/`stderr_truncated` say the sandbox's output
    /// cap cut a stream (the call is still `completed`, `notice` says by how much).
    static func json(_ result: SandboxResult) -> JSONValue {
        var object: [String: JSONValue] = [
            "exit_code": result.exitCode.map { .int(Int64($0)) } ?? .null,
            "signal": result.signal.map { .int(Int64($0)) } ?? .null,
            "stdout_truncated": .bool(result.stdoutTruncated),
            "stderr_truncated": .bool(result.stderrTruncated),
        ]
        BinaryText.put(result.stdout, key: "stdout", encodingKey: "stdout_encoding", into: &object)
        BinaryText.put(result.stderr, key: "stderr", encodingKey: "stderr_encoding", into: &object)
        return .object(object)
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
