import ArgumentParser
import Sandbox

/// `jcs events PROJECT [--conversation ID] [--correlation-id ID] [--follow]`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "A project's recent events, or follow them live.",
        discussion: """
            Without --follow, prints the project's bounded ring of recent events (redacted). With \
            --follow, prints each event as it is emitted until interrupted; with --json, one JSON object \
            per line. --conversation and --correlation-id narrow either mode to one conversation or one \
            request.

            One line per event: time, name, conv= and corr= (the conversation and correlation ids, - \
            when none), then the payload as key=value in key order (a tool.completed shows the \
            program's exit_code).

            When the daemon ends a --follow stream (it stopped, or the project did), jcs says so on \
            stderr and exits 3, so a script watching events notices.

            EXAMPLES
              jcs events app --follow --json
              jcs events app --conversation review-42 --follow
            """
    )

    @Argument(help: "The project's id.") var project: String
    @Flag(name: .long, help: "Stream events as they happen.") var follow = false
    @Option(name: .long, help: "Only this conversation's events.") var conversation: String?
    @Option(name: .long, help: "Only this request's events.") var correlationId: String?
    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let request = DaemonRequest(options: daemon)
        let filters = [("conversation", conversation), ("correlation_id", correlationId)]
        if follow {
            try request.follow(RequestTarget.path("v1", "projects", project, "events", query: [("follow", "true")] + filters)) {
                HumanOutput.line(Self.line($0))
            }
            printError("jcs: the daemon ended the event stream (the daemon or project \(project) stopped)")
            throw DaemonExit.unreachable
        } else {
            try request.run("GET", RequestTarget.path("v1", "projects", project, "events", query: filters)) { value in
                for event in value["events"]?.arrayValue ?? [] { HumanOutput.line(Self.line(event)) }
            }
        }
    }

    /// `AT  NAME  conv=ID corr=ID  key=value …`: fixed columns, payload keys sorted, nested values
    /// as compact JSON.
    static func line(_ event: JSONValue) -> String {
        let at = event["at"]?.stringValue ?? HumanOutput.scalar(event["at_ms"] ?? .null) ?? "?"
        let name = event["name"]?.stringValue ?? event["event"]?.stringValue ?? "?"
        let conversation = event["conversation_id"]?.stringValue ?? "-"
        let correlation = event["correlation_id"]?.stringValue ?? "-"
        let payload = (event["payload"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(HumanOutput.scalar(value) ?? JSONWriter.text(value))"
        }
        return [pad(at, 24), pad(name, 34), "conv=\(conversation)", "corr=\(correlation)", payload.joined(separator: " ")]
            .joined(separator: "  ")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
