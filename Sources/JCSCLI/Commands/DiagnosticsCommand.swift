import ArgumentParser
import Sandbox

/// `jcs diagnostics PROJECT`.
struct DiagnosticsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnostics",
        abstract: "A project's health, counters, recent errors and configuration.",
        discussion: """
            The runbook's daily check: health.status, telemetry.event_counts (should advance), \
            telemetry.recent_errors (bounded and redacted), plus the effective runtime options, assets, \
            conversations and sandbox concurrency.

            EXAMPLE
              jcs diagnostics app --json
            """
    )

    @Argument(help: "The project's id.") var project: String
    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try DaemonRequest(options: daemon).run("GET", RequestTarget.path("v1", "projects", project, "diagnostics")) { value in
            print("project: \(value["project_id"]?.stringValue ?? project)")
            print("health: \(value["health"]?["status"]?.stringValue ?? "?")")
            print("event counts:")
            for line in HumanOutput.lines(value["telemetry"]?["event_counts"] ?? [:], indent: "  ") { print(line) }
            print("recent errors:")
            for line in HumanOutput.lines(value["telemetry"]?["recent_errors"] ?? [], indent: "  ") { print(line) }
            print("conversations: \(HumanOutput.scalar(value["conversations"] ?? []) ?? JSONWriter.text(value["conversations"] ?? []))")
        }
    }
}
