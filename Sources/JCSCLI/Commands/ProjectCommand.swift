import ArgumentParser
import Sandbox

/// `jcs project start|stop|list`.
struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Start, stop and list the daemon's projects.",
        discussion: """
            EXAMPLE
              jcs project start ~/src/app --id app && jcs project list
            """,
        subcommands: [Start.self, Stop.self, List.self, Options.self]
    )

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a project on a directory, with runtime options.",
            discussion: """
                Options come from --options-file (a JSON object) and then each --option KEY=VALUE, which \
                wins over the file. A VALUE is read as JSON when it is JSON (tool_timeout_ms=5000, \
                allow_tools='["fs.*"]') and as a string otherwise (network_egress_policy=allow). The daemon \
                validates every option before anything starts and names each key at fault (an unknown key \
                gets a did-you-mean and the list of valid keys). `jcs project options` lists every option \
                with its type, default and meaning (also in docs/options.md). The project is registered: a \
                daemon restart brings it back until `jcs project stop`.

                EXAMPLE
                  jcs project start ~/src/app --id app --option tool_timeout_ms=5000
                """
        )

        @Argument(help: "The project's root directory.")
        var root: String

        @Option(name: .long, help: "The project's id: A-Z a-z 0-9 . _ - (1 to 64, generated when absent).")
        var id: String?

        @Option(name: .customLong("option"), help: "A runtime option as KEY=VALUE (repeatable).")
        var assignments: [String] = []

        @Option(name: .long, help: "A JSON file holding an object of runtime options.")
        var optionsFile: String?

        @OptionGroup var daemon: DaemonOptions

        func validate() throws {
            for assignment in assignments {
                guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                    throw ValidationError(
                        "--option '\(assignment)' is not KEY=VALUE; write e.g. --option tool_timeout_ms=5000 "
                            + "(`jcs project options` lists the keys)")
                }
            }
        }

        func run() throws {
            var options: [String: JSONValue] = [:]
            if let optionsFile {
                let bytes: [UInt8]
                do {
                    bytes = try POSIX.readBytes(optionsFile, limit: 1 << 20)
                } catch {
                    throw ValidationError("--options-file: cannot read '\(optionsFile)': \(error)")
                }
                guard let object = (try? JSONParser.parse(bytes))?.objectValue else {
                    throw ValidationError("--options-file: '\(optionsFile)' is not a JSON object")
                }
                options = object
            }
            for assignment in assignments {
                guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                    throw ValidationError("--option: '\(assignment)' is not KEY=VALUE")
                }
                let text = String(assignment[assignment.index(after: equals)...])
                options[String(assignment[..<equals])] = (try? JSONParser.parse(text)) ?? .string(text)
            }
            var body: [String: JSONValue] = ["root": .string(absolutePath(root)), "options": .object(options)]
            if let id { body["id"] = .string(id) }
            try DaemonRequest(options: daemon).run("POST", RequestTarget.path("v1", "projects"), body: .object(body)) {
                HumanOutput.line("started \($0["id"]?.stringValue ?? "?") on \($0["root"]?.stringValue ?? "?") (profile \($0["profile"]?.stringValue ?? "?"))")
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a project: its conversations and running tools are cancelled.",
            discussion: """
                The project is unregistered (a restart does not bring it back); its history stays in \
                the journal, so incident timelines still work.

                EXAMPLE
                  jcs project stop app
                """
        )

        @Argument(help: "The project's id.")
        var id: String

        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run("DELETE", RequestTarget.path("v1", "projects", id)) { _ in
                HumanOutput.line("stopped \(id)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the running projects.",
            discussion: """
                One line per project: id, sandbox profile, root.

                EXAMPLE
                  jcs project list --json
                """
        )

        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run("GET", RequestTarget.path("v1", "projects")) { value in
                let projects = value["projects"]?.arrayValue ?? []
                if projects.isEmpty { HumanOutput.line("no projects") }
                for project in projects {
                    HumanOutput.line(
                        "\(project["id"]?.stringValue ?? "?")\t\(project["profile"]?.stringValue ?? "?")\t\(project["root"]?.stringValue ?? "?")"
                    )
                }
            }
        }
    }
}

extension ProjectCommand {
    /// `jcs project options`: the runtime options, from the daemon's one reader.
    struct Options: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every runtime option a project takes: type, default, meaning.",
            discussion: """
                The keys `jcs project start --option KEY=VALUE` and --options-file accept, as the daemon \
                reads them (the same table is docs/options.md). With --json: {"options": [{key, type, \
                default, meaning}]}.

                EXAMPLE
                  jcs project options
                """
        )

        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run("GET", RequestTarget.path("v1", "options")) { value in
                let options = value["options"]?.arrayValue ?? []
                let width = options.map { ($0["key"]?.stringValue ?? "").count }.max() ?? 0
                for option in options {
                    let key = option["key"]?.stringValue ?? "?"
                    let pad = String(repeating: " ", count: max(0, width - key.count))
                    let fallback = option["default"].map { HumanOutput.scalar($0) ?? JSONWriter.text($0) } ?? "-"
                    HumanOutput.line("\(key)\(pad)  \(option["type"]?.stringValue ?? "")  (default \(fallback))")
                    HumanOutput.line(String(repeating: " ", count: width + 2) + (option["meaning"]?.stringValue ?? ""))
                }
            }
        }
    }
}

/// `path` made absolute against the working directory: the daemon's working directory is not
/// the caller's.
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return path == "." ? cwd : cwd + "/" + path
}

#if canImport(Glibc)
import Glibc
#endif
