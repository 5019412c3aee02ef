import ArgumentParser
import Sandbox

/// `jcs events PROJECT [--follow]`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "A project's recent events, or follow them live.",
        discussion: """
            Without --follow, prints the project's bounded ring of recent events (redacted). With \
            --follow, prints each event as it is emitted until interrupted or the daemon stops; with \
            --json, one JSON object per line.

            EXAMPLE
              jcs events app --follow --json
            """
    )

    @Argument(help: "The project's id.") var project: String
    @Flag(name: .long, help: "Stream events as they happen.") var follow = false
    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let request = DaemonRequest(options: daemon)
        if follow {
            try request.follow(RequestTarget.path("v1", "projects", project, "events", query: [("follow", "true")])) {
                print(Self.line($0))
            }
        } else {
            try request.run("GET", RequestTarget.path("v1", "projects", project, "events")) { value in
                for event in value["events"]?.arrayValue ?? [] { print(Self.line(event)) }
            }
        }
    }

    static func line(_ event: JSONValue) -> String {
        let at = event["at"]?.stringValue ?? HumanOutput.scalar(event["at_ms"] ?? .null) ?? "?"
        return "\(at)  \(event["event"]?.stringValue ?? "?")  \(JSONWriter.text(event["payload"] ?? [:]))"
    }
}
