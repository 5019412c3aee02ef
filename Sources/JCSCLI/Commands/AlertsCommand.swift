import ArgumentParser

/// `jcs alerts [PROJECT]`.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts raised by the runbook's rules, newest first.",
        discussion: """
            For one project, or for every running project when PROJECT is absent. One aligned line per \
            alert: time, severity, escalation, rule, project and summary; --json adds the evidence (the \
            events that raised it).

            EXAMPLE
              jcs alerts app --json
            """
    )

    @Argument(help: "The project's id (all running projects when absent).") var project: String?
    @Option(name: .long, help: "At most N alerts per project (default 100).") var limit: Int?
    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        let target = RequestTarget.path("v1", "alerts", query: [("project", project), ("limit", limit.map(String.init))])
        try DaemonRequest(options: daemon).run("GET", target) { value in
            let alerts = value["alerts"]?.arrayValue ?? []
            if alerts.isEmpty { HumanOutput.line("no alerts") }
            let columns = ["at", "severity", "escalation", "rule", "project_id"]
            let rows = alerts.map { alert in columns.map { alert[$0]?.stringValue ?? "-" } }
            let widths = columns.indices.map { index in
                max(columns[index].count, rows.map { $0[index].count }.max() ?? 0)
            }
            if !alerts.isEmpty {
                HumanOutput.line(zip(["TIME", "SEVERITY", "ESCALATION", "RULE", "PROJECT"], widths)
                    .map { EventsCommand.pad($0, $1) }.joined(separator: "  ") + "  SUMMARY")
            }
            for (alert, row) in zip(alerts, rows) {
                let suppressed = alert["suppressed_count"]?.intValue ?? 0
                HumanOutput.line(
                    zip(row, widths).map { EventsCommand.pad($0, $1) }.joined(separator: "  ") + "  "
                        + (alert["summary"]?.stringValue ?? "") + (suppressed > 0 ? " (+\(suppressed) suppressed)" : ""))
            }
        }
    }
}
