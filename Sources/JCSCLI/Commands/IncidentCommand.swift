import ArgumentParser
import Sandbox

/// `jcs incident PROJECT [CONVERSATION] [--correlation-id ID] [--limit N]`.
struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "An incident timeline: journal entries and telemetry events, in order.",
        discussion: """
            A conversation's timeline, or with --correlation-id and no CONVERSATION one request's, \
            made inside a conversation or not (the id an alert's evidence names). Read from the \
            durable journal, so it works after the conversation, its project or the daemon itself \
            stopped. --limit keeps the newest N entries (default 100, at most 500).

            One line per entry: time, where it came from (journal or telemetry), the event, the \
            correlation id, then the tool, its status or reason and the program's exit code when \
            the entry has them.

            EXAMPLES
              jcs incident app review-42 --correlation-id req-1 --limit 200
              jcs incident app --correlation-id req-1
            """
    )

    @Argument(help: "The project's id.") var project: String
    @Argument(help: "The conversation's id (optional with --correlation-id).") var conversation: String?
    @Option(name: .long, help: "Only the entries of this correlation id.") var correlationId: String?
    @Option(name: .long, help: "The newest N entries (1 to 500; default 100).") var limit: Int?
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        if let limit, !(1...500).contains(limit) { throw ValidationError("--limit must be between 1 and 500") }
        if conversation == nil && correlationId == nil {
            throw ValidationError("give a CONVERSATION, or --correlation-id ID for one request (inside a conversation or not)")
        }
    }

    func run() throws {
        let query = [("correlation_id", correlationId), ("limit", limit.map(String.init))]
        // Without a conversation: the project's timeline of one correlation id.
        let target =
            conversation.map {
                RequestTarget.path("v1", "projects", project, "conversations", $0, "incident", query: query)
            } ?? RequestTarget.path("v1", "projects", project, "incident", query: query)
        try DaemonRequest(options: daemon).run("GET", target) { value in
            let entries = value["entries"]?.arrayValue ?? []
            HumanOutput.line("\(entries.count) of \(HumanOutput.scalar(value["total_entries"] ?? .null) ?? "?") entries")
            let width = entries.map { ($0["event"]?.stringValue ?? "?").count }.max() ?? 0
            for entry in entries { HumanOutput.line(Self.line(entry, eventWidth: width)) }
        }
    }

    /// `AT  SOURCE     EVENT  CORRELATION  tool=… status=… reason=… exit=…`.
    static func line(_ entry: JSONValue, eventWidth: Int) -> String {
        let at = entry["at"]?.stringValue ?? "?"
        let source = EventsCommand.pad(entry["source"]?.stringValue ?? "-", 9)
        let event = EventsCommand.pad(entry["event"]?.stringValue ?? "?", eventWidth)
        let correlation = entry["correlation_id"]?.stringValue ?? "-"
        let payload = entry["payload"] ?? [:]
        // Journal tool results nest the result; telemetry events carry the fields directly.
        let result = payload["result"] ?? payload
        let output: JSONValue = result["output"] ?? [:]
        func first(_ candidates: JSONValue?...) -> JSONValue? {
            candidates.first { $0 != nil && $0 != .null } ?? nil
        }
        let labelled: [(String, JSONValue?)] = [
            ("call", first(result["call_id"])), ("tool", first(result["tool"], payload["tool"])),
            ("status", first(result["status"])), ("reason", first(result["reason"], payload["reason"])),
            ("exit", first(output["exit_code"], result["exit_code"], payload["exit_code"])),
            ("signal", first(output["signal"], result["signal"], payload["signal"])), ("kind", first(payload["kind"])),
        ]
        var facts: [String] = []
        for (label, value) in labelled {
            guard let value, let text = HumanOutput.scalar(value) else { continue }
            facts.append("\(label)=\(text)")
        }
        return "\(at)  \(source)  \(event)  \(correlation)  \(facts.joined(separator: " "))"
    }
}
