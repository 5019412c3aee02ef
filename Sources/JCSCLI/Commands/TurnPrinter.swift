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
        let kind = event["event"]?.stringValue.flatMap(EventKind.init(rawValue:))
        switch kind {
        case .conversationAssistantDelta:
            let text = HumanOutput.escaped(payload["text"]?.stringValue ?? "", keeping: ["\n"])
            Swift.print(text, terminator: "")
            midLine = !text.hasSuffix("\n")
            fflush(nil)
        case .conversationToolRequested:
            line("→ \(payload["tool"]?.stringValue ?? "?") \(JSONWriter.text(payload["arguments"] ?? [:]))")
        case .toolCompleted, .toolFailed, .toolTimeout, .toolCancelled:
            let reason = payload["reason"]?.stringValue.map { " (\($0))" } ?? ""
            let status = kind?.rawValue.split(separator: ".").last.map(String.init) ?? "?"
            line("← \(payload["tool"]?.stringValue ?? "?") \(status)\(reason)")
        case .llmFailed:
            let final = payload["final"]?.boolValue == true
            let retry = payload["retry_in_ms"]?.intValue.map { ", retrying in \($0) ms" } ?? ""
            line("\(final ? "turn ended" : "model request failed"): \(payload["reason"]?.stringValue ?? "?")\(retry)")
        case .conversationCancelled:
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
