import Sandbox

/// A tool call for a person, as `jcs sandbox run` shows a command: the program's stdout on
/// stdout and its stderr on stderr, byte for byte (base64 fields decoded), each violation on
/// stderr as `jcs: violation: …`, then one status line on stderr with the call id and the exit
/// code or signal. Other tools' output goes to stdout (a file's content as its bytes, anything
/// else as `key: value` lines), so `jcs tool run app fs.read … > copy` copies the file.
///
/// What the stream already delivered (output chunks, violations) is not printed again with the
/// result.
struct ToolCallPrinter {
    /// Whether output chunks arrived while the call ran (then the result's copy is skipped).
    private(set) var streamedOutput = false
    private(set) var streamedViolations = 0

    /// One `output` event of a streamed call: `{"stream": "stdout"|"stderr", "data", "encoding"?}`.
    mutating func output(_ event: JSONValue) {
        streamedOutput = true
        guard let bytes = Self.bytes(event["data"], encoding: event["encoding"]) else { return }
        Self.write(event["stream"]?.stringValue == "stderr" ? 2 : 1, bytes)
    }

    /// One `violation` event of a streamed call.
    mutating func violation(_ record: JSONValue) {
        streamedViolations += 1
        Self.violationLine(record)
    }

    /// The final result.
    func result(_ value: JSONValue) {
        let output = value["output"]
        if !streamedOutput, let output { Self.printOutput(output) }
        for record in (value["violations"]?.arrayValue ?? []).dropFirst(streamedViolations) {
            Self.violationLine(record)
        }
        if let notice = output?["notice"]?.stringValue { printError("jcs: truncated: \(notice)") }
        for finding in value["sensitive_findings"]?.arrayValue ?? [] {
            let kind = finding["kind"]?.stringValue ?? "secret"
            let path = finding["path"]?.stringValue ?? "output"
            printError("jcs: sensitive: the output holds a \(kind) (\(path)); it was returned, and the event recorded")
        }
        printError("jcs: " + Self.statusLine(value))
    }

    /// `completed call-… (exit 3)`, `failed call-…: policy_denied: …`, `timeout call-…: …`.
    static func statusLine(_ value: JSONValue) -> String {
        let status = value["status"]?.stringValue ?? "?"
        var line = "\(status) \(value["call_id"]?.stringValue ?? "")"
        let output = value["output"]
        if let code = output?["exit_code"]?.intValue {
            line += " (exit \(code))"
        } else if let signal = output?["signal"]?.intValue {
            line += " (signal \(signal)\(SignalNames.name(signal).map { ", \($0)" } ?? ""))"
        }
        if let reason = value["reason"]?.stringValue, status != "cancelled" || reason != "cancelled" {
            var message = value["message"]?.stringValue ?? ""
            if message.hasPrefix(reason + ": ") { message.removeFirst(reason.count + 2) }
            line += ": \(reason)" + (message.isEmpty ? "" : ": \(message)")
        }
        return line
    }

    /// A program's streams to our own, a file's content to stdout, anything else as lines.
    static func printOutput(_ output: JSONValue) {
        if output["stdout"] != nil || output["stderr"] != nil {
            if let bytes = bytes(output["stdout"], encoding: output["stdout_encoding"]) { write(1, bytes) }
            if let bytes = bytes(output["stderr"], encoding: output["stderr_encoding"]) { write(2, bytes) }
            return
        }
        if let bytes = bytes(output["content"], encoding: output["encoding"]) {
            write(1, bytes)
            return
        }
        HumanOutput.print(output)
    }

    static func violationLine(_ record: JSONValue) {
        guard let violation = try? Violation(json: record) else { return }
        printError("jcs: violation: \(SandboxRunner.describe(violation))")
    }

    /// A string field's bytes: base64-decoded when `encoding` says `base64`, else its UTF-8.
    static func bytes(_ field: JSONValue?, encoding: JSONValue?) -> [UInt8]? {
        guard let text = field?.stringValue else { return nil }
        if encoding?.stringValue == "base64" { return Base64.decode(text) }
        return Array(text.utf8)
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        SandboxRunner.writeAll(fd, bytes[...])
    }
}

/// Signal names for status lines (the common ones; others print as a number only).
enum SignalNames {
    static func name(_ signal: Int) -> String? {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 3: "SIGQUIT"
        case 6: "SIGABRT"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 13: "SIGPIPE"
        case 14: "SIGALRM"
        case 15: "SIGTERM"
        case 31: "SIGSYS"
        default: nil
        }
    }
}
