import ArgumentParser
import Sandbox

/// `jcs tool run`: one call through the project's gate (schema, policy, quotas, sandbox).
struct ToolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tool",
        abstract: "Run a project's tool, read an async call's result, or cancel running calls.",
        discussion: """
            EXAMPLE
              jcs tool run app fs.read --args '{"path":"README.md"}'
            """,
        subcommands: [Run.self, Result.self, Cancel.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one tool call through the project's gate.",
            discussion: """
                The call passes the same gate as every other: schema, policy, quotas, a sandboxed worker, \
                output caps, the sensitive-content scan, events. A call the policy or the sandbox refuses is \
                still an answer: its status is failed with the reason (exit 0); exit 1 means the daemon \
                refused the request itself (unknown project, bad arguments JSON, …).

                With --async the call is accepted and runs on; the command prints its call id and exits. \
                Inside a conversation its result shows in `jcs conversation show` and the incident timeline; \
                outside one, `jcs tool result PROJECT CALL` waits for it and `jcs tool cancel PROJECT --call \
                CALL` kills it. Either way its events carry the call and correlation ids.

                EXAMPLES
                  jcs tool run app shell.run --args '{"argv":["sh","-c","echo hi"]}' --correlation-id req-1
                  jcs tool run app shell.run --args '{"argv":["make","test"]}' --async
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The tool's name (see `jcs tools PROJECT`).") var tool: String
        @Option(name: .long, help: "The tool's arguments, a JSON object.") var args: String?
        @Option(name: .long, help: "Run inside this conversation.") var conversation: String?
        @Option(name: .long, help: "The correlation id (generated when absent).") var correlationId: String?
        @Flag(name: .long, help: "Return once the call is accepted; read the result later.") var async = false
        @OptionGroup var daemon: DaemonOptions

        func validate() throws {
            if let args, (try? JSONParser.parse(args))?.objectValue == nil {
                throw ValidationError("--args must be a JSON object, e.g. '{\"path\":\"README.md\"}'")
            }
        }

        func run() throws {
            var body: [String: JSONValue] = [:]
            if let args { body["args"] = try JSONParser.parse(args) }
            if let conversation { body["conversation"] = .string(conversation) }
            if let correlationId { body["correlation_id"] = .string(correlationId) }
            if async { body["async"] = true }
            try DaemonRequest(options: daemon).run(
                "POST", RequestTarget.path("v1", "projects", project, "tools", tool, "run"), body: .object(body)
            ) { value in
                if async {
                    HumanOutput.line("accepted \(value["call_id"]?.stringValue ?? "?")")
                    return
                }
                ToolCommand.printResult(value)
            }
        }
    }

    struct Result: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait for an async call and print its result.",
            discussion: """
                For a call started with `jcs tool run … --async`: waits while it runs, then prints the result \
                as `jcs tool run` would. Give --conversation for a call made inside one.

                EXAMPLE
                  jcs tool result app call-3f2a9c0d…
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The call's id (printed by `jcs tool run --async`).") var call: String
        @Option(name: .long, help: "The conversation the call was made in.") var conversation: String?
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            let target =
                conversation.map { RequestTarget.path("v1", "projects", project, "conversations", $0, "calls", call) }
                ?? RequestTarget.path("v1", "projects", project, "calls", call)
            try DaemonRequest(options: daemon).run("GET", target) { ToolCommand.printResult($0) }
        }
    }

    /// A tool result for a person: status and call id, the reason when there is one, then the
    /// tool's stdout (or its output object).
    static func printResult(_ value: JSONValue) {
        let stdoutText = value["output"]?["stdout"]?.stringValue
        HumanOutput.line("\(value["status"]?.stringValue ?? "?") \(value["call_id"]?.stringValue ?? "")")
        if let reason = value["reason"]?.stringValue {
            HumanOutput.line("reason: \(reason)\(value["message"]?.stringValue.map { ": \($0)" } ?? "")")
        }
        if let stdoutText {
            print(
                HumanOutput.escaped(stdoutText, keeping: ["\n", "\t"]),
                terminator: stdoutText.hasSuffix("\n") || stdoutText.isEmpty ? "" : "\n")
        } else if let output = value["output"] {
            HumanOutput.print(output)
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel running tool calls: a conversation's, or one async call's.",
            discussion: """
                Kills the calls' sandboxes (and every process their tools started) and waits until each \
                call has ended; each result says cancelled. With a conversation: its running calls, or with \
                --correlation-id only that request's. With --call: one async call made outside a conversation \
                (its result is printed).

                EXAMPLES
                  jcs tool cancel app review-42 --correlation-id req-1
                  jcs tool cancel app --call call-3f2a9c0d…
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String?
        @Option(name: .long, help: "Only the calls of this correlation id.") var correlationId: String?
        @Option(name: .long, help: "One async call made outside a conversation.") var call: String?
        @OptionGroup var daemon: DaemonOptions

        func validate() throws {
            switch (conversation, call) {
            case (nil, nil): throw ValidationError("give a CONVERSATION, or --call for an async call outside one")
            case (_?, _?): throw ValidationError("give a CONVERSATION or --call, not both")
            case (nil, _?) where correlationId != nil: throw ValidationError("--correlation-id goes with a CONVERSATION")
            default: break
            }
        }

        func run() throws {
            let request = DaemonRequest(options: daemon)
            if let call {
                try request.run("POST", RequestTarget.path("v1", "projects", project, "calls", call, "cancel"), body: [:]) {
                    ToolCommand.printResult($0)
                }
                return
            }
            let body: JSONValue = correlationId.map { ["correlation_id": .string($0)] } ?? [:]
            try request.run(
                "POST", RequestTarget.path("v1", "projects", project, "conversations", conversation ?? "", "cancel"), body: body
            ) { value in
                let cancelled = value["cancelled"]?.arrayValue ?? []
                HumanOutput.line(cancelled.isEmpty ? "nothing was running" : "cancelled \(cancelled.compactMap(\.stringValue).joined(separator: " "))")
            }
        }
    }
}
