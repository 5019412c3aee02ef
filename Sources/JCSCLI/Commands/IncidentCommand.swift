import ArgumentParser

/// `jcs incident PROJECT [CONVERSATION] [--correlation-id ID] [--limit N]`.
struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "A conversation's incident timeline: journal entries and telemetry events, in order.",
        discussion: """
            Read from the durable journal, so it works after the conversation, its project or the \
            daemon itself stopped. --limit keeps the newest N entries (default 100, at most 500). \
            Without CONVERSATION, --correlation-id is required: the timeline of that one request \
            across the project (a direct call, an MCP call).

            EXAMPLES
              jcs incident app review-42 --correlation-id req-1 --limit 200
              jcs incident app --correlation-id req-1 --json
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
            throw ValidationError("name a CONVERSATION, or give --correlation-id for one request's timeline")
        }
    }

    func run() throws {
        let query = [("correlation_id", correlationId), ("limit", limit.map(String.init))]
        let target =
            if let conversation {
                RequestTarget.path("v1", "projects", project, "conversations", conversation, "incident", query: query)
            } else {
                RequestTarget.path("v1", "projects", project, "incident", query: query)
            }
        try DaemonRequest(options: daemon).run("GET", target) { value in
            let entries = value["entries"]?.arrayValue ?? []
            HumanOutput.line("\(entries.count) of \(HumanOutput.scalar(value["total_entries"] ?? .null) ?? "?") entries")
            for entry in entries {
                let at = entry["at"]?.stringValue ?? "?"
                let event = entry["event"]?.stringValue ?? "?"
                let correlation = entry["correlation_id"]?.stringValue ?? "-"
                HumanOutput.line("\(at)  \(event)  \(correlation)")
            }
        }
    }
}
