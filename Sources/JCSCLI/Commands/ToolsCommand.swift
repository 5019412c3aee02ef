import ArgumentParser
import Sandbox

/// `jcs tools PROJECT`: the project's tool catalog.
struct ToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "List a project's tools (built-ins, command.run.*, workflow.run.*).",
        discussion: """
            One line per tool with its description; tools whose asset is invalid are listed after, with \
            the reason. --json includes each tool's input schema.

            EXAMPLE
              jcs tools app
            """
    )

    @Argument(help: "The project's id.") var project: String
    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try DaemonRequest(options: daemon).run("GET", RequestTarget.path("v1", "projects", project, "tools")) { value in
            let tools = value["tools"]?.arrayValue ?? []
            let width = tools.map { ($0["name"]?.stringValue ?? "?").count }.max() ?? 0
            for tool in tools {
                HumanOutput.line(
                    EventsCommand.pad(tool["name"]?.stringValue ?? "?", width) + "  " + (tool["description"]?.stringValue ?? ""))
            }
            let invalid = value["invalid"]?.arrayValue ?? []
            if !invalid.isEmpty { HumanOutput.line("invalid (not runnable until fixed; `jcs reload-assets` after the fix):") }
            for entry in invalid {
                // The reason names the file and line already; the tool's name when it got that far.
                let name = entry["name"]?.stringValue ?? entry["tool"]?.stringValue
                let reason = entry["reason"]?.stringValue ?? entry["path"]?.stringValue ?? "?"
                HumanOutput.line("  " + (name.map { "\($0): " } ?? "") + reason)
            }
        }
    }
}
