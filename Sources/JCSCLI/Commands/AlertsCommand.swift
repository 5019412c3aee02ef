import ArgumentParser

/// `jcs alerts [PROJECT]`.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts raised by the runbook's rules, newest first.",
        discussion: """
            For one project, or for every running project when PROJECT is absent. Each alert names its \
            rule, severity, escalation and the events that raised it.

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
            for alert in alerts {
                let fields = ["severity", "rule", "project_id", "summary"].map { alert[$0]?.stringValue ?? "?" }
                HumanOutput.line(fields.joined(separator: "  "))
            }
        }
    }
}
