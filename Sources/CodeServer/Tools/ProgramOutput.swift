import Sandbox

/// Helpers the file tools share for reading what their program printed.
enum ProgramOutput {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// `tool_error` with the program's stderr (or its status when it printed nothing), for a
    /// program that exited non-zero.
    static func failure(_ result: SandboxResult, _ what: String) -> ToolFailure {
        var message = text(result.stderr)
        while message.last == "\n" { message.removeLast() }
        if message.isEmpty { message = "\(what) failed with status \(result.shellStatus)" }
        return ToolFailure(.toolError, message)
    }
}
