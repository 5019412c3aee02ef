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
            HumanOutput.line("project: \(value["project_id"]?.stringValue ?? project)")
            HumanOutput.line("health: \(value["health"]?["status"]?.stringValue ?? "?")")
            HumanOutput.line("event counts:")
            for line in HumanOutput.lines(value["telemetry"]?["event_counts"] ?? [:], indent: "  ") { HumanOutput.line(line) }
            HumanOutput.line("recent errors:")
            for line in HumanOutput.lines(value["telemetry"]?["recent_errors"] ?? [], indent: "  ") { HumanOutput.line(line) }
            HumanOutput.line("conversations: \(HumanOutput.scalar(value["conversations"] ?? []) ?? JSONWriter.text(value["conversations"] ?? []))")
        }
    }
}
