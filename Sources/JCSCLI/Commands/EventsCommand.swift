import ArgumentParser
import Sandbox

/// `jcs events PROJECT [--conversation ID] [--correlation-id ID] [--follow]`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "A project's recent events, or follow them live.",
        discussion: """
            Without --follow, prints the project's bounded ring of recent events (redacted). With \
            --follow, prints each event as it is emitted until interrupted or the daemon stops; with \
            --json, one JSON object per line. --conversation and --correlation-id narrow either mode to \
            one conversation or one request.

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
        } else {
            try request.run("GET", RequestTarget.path("v1", "projects", project, "events", query: filters)) { value in
                for event in value["events"]?.arrayValue ?? [] { HumanOutput.line(Self.line(event)) }
            }
        }
    }

    static func line(_ event: JSONValue) -> String {
        let at = event["at"]?.stringValue ?? HumanOutput.scalar(event["at_ms"] ?? .null) ?? "?"
        return "\(at)  \(event["event"]?.stringValue ?? "?")  \(JSONWriter.text(event["payload"] ?? [:]))"
    }
}
