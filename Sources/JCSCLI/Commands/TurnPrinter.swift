import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// How `jcs conversation send --follow` shows a turn to people: the assistant's text as it
/// streams (escaped, line breaks kept), a line per tool call and per result, and how the turn
/// ended. Everything the model or a tool wrote goes through `HumanOutput.escaped`.
struct TurnPrinter {
    /// Whether the last thing printed was streamed text without its line break yet.
    private var midLine = false

    mutating func print(_ event: JSONValue) {
        let payload = event["payload"] ?? [:]
        switch event["event"]?.stringValue ?? "" {
        case "conversation.assistant.delta":
            let text = HumanOutput.escaped(payload["text"]?.stringValue ?? "", keeping: ["\n"])
            Swift.print(text, terminator: "")
            midLine = !text.hasSuffix("\n")
            fflush(nil)
        case "conversation.tool_requested":
            line("→ \(payload["tool"]?.stringValue ?? "?") \(JSONWriter.text(payload["arguments"] ?? [:]))")
        case "tool.completed", "tool.failed", "tool.timeout", "tool.cancelled":
            let reason = payload["reason"]?.stringValue.map { " (\($0))" } ?? ""
            let status = event["event"]?.stringValue?.dropFirst("tool.".count) ?? "?"
            line("← \(payload["tool"]?.stringValue ?? "?") \(status)\(reason)")
        case "llm.failed":
            let final = payload["final"]?.boolValue == true
            let retry = payload["retry_in_ms"]?.intValue.map { ", retrying in \($0) ms" } ?? ""
            line("\(final ? "turn ended" : "model request failed"): \(payload["reason"]?.stringValue ?? "?")\(retry)")
        case "conversation.cancelled":
            line("turn cancelled")
        default:
            break
        }
    }

    mutating func finish() {
        if midLine { Swift.print("") }
        midLine = false
    }

    private mutating func line(_ text: String) {
        finish()
        HumanOutput.line(text)
    }
}
