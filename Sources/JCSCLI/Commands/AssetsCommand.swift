import ArgumentParser
import Sandbox

/// `jcs assets PROJECT TYPE [--get NAME | --search TEXT]`.
struct AssetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assets",
        abstract: "List, get or search a project's assets of one type.",
        discussion: """
            TYPE is skill, command, workflow or skill_graph; the directories' names under .jido/ \
            (skills, commands, workflows, skill_graph) are accepted too. Without --get or --search, \
            lists every asset of the type with its description.

            EXAMPLE
              jcs assets app command --search lint
            """
    )

    @Argument(help: "The project's id.") var project: String
    @Argument(help: "skill, command, workflow or skill_graph.") var type: String
    @Option(name: .long, help: "Show the asset with this name.") var get: String?
    @Option(name: .long, help: "Only assets whose name or description contains TEXT.") var search: String?
    @OptionGroup var daemon: DaemonOptions

    /// The asset kinds, and the `.jido/` directory names people type for them.
    static let kinds = ["skill", "command", "workflow", "skill_graph"]
    static let aliases = [
        "skills": "skill", "commands": "command", "workflows": "workflow", "skill-graph": "skill_graph",
        "skill_graphs": "skill_graph", "skillgraph": "skill_graph",
    ]

    var kind: String { Self.aliases[type] ?? type }

    func validate() throws {
        if get != nil && search != nil { throw ValidationError("give either --get or --search, not both") }
        guard Self.kinds.contains(kind) else {
            let near = Suggestions.closest(to: type, among: Self.kinds).first
            throw ValidationError(
                "TYPE '\(type)' is not an asset type; expected one of: \(Self.kinds.joined(separator: ", "))"
                    + (near.map { "; did you mean '\($0)'?" } ?? ""))
        }
    }

    func run() throws {
        let target = RequestTarget.path("v1", "projects", project, "assets", kind, query: [("name", get), ("search", search)])
        try DaemonRequest(options: daemon).run("GET", target) { value in
            guard let assets = value["assets"]?.arrayValue else { return HumanOutput.print(value) }
            if assets.isEmpty { HumanOutput.line("no \(kind) assets") }
            for asset in assets {
                HumanOutput.row(asset["name"]?.stringValue ?? "?", asset["description"]?.stringValue ?? "")
            }
        }
    }
}
