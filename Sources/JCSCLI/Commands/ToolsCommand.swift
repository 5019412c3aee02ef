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
            for tool in value["tools"]?.arrayValue ?? [] {
                HumanOutput.row(tool["name"]?.stringValue ?? "?", tool["description"]?.stringValue ?? "")
            }
            for invalid in value["invalid"]?.arrayValue ?? [] {
                HumanOutput.row("INVALID \(HumanOutput.scalar(invalid["tool"] ?? .null) ?? "?")", JSONWriter.text(invalid))
            }
        }
    }
}
