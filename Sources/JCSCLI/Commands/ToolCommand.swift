import ArgumentParser
import Sandbox

/// `jcs tool run`: one call through the project's gate (schema, policy, quotas, sandbox).
struct ToolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tool",
        abstract: "Run a project's tool, or cancel running calls.",
        discussion: """
            EXAMPLE
              jcs tool run app fs.read --args '{"path":"README.md"}'
            """,
        subcommands: [Run.self, Cancel.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one tool call through the project's gate.",
            discussion: """
                The call passes the same gate as every other: schema, policy, quotas, a sandboxed worker, \
                output caps, the sensitive-content scan, events. A call the policy or the sandbox refuses is \
                still an answer: its status is failed with the reason (exit 0); exit 1 means the daemon \
                refused the request itself (unknown project, bad arguments JSON, …).

                With --async the call is accepted and runs on (needs --conversation); its result shows in \
                `jcs conversation show` and in the incident timeline.

                EXAMPLE
                  jcs tool run app shell.run --args '{"argv":["sh","-c","echo hi"]}' --correlation-id req-1
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The tool's name (see `jcs tools PROJECT`).") var tool: String
        @Option(name: .long, help: "The tool's arguments, a JSON object.") var args: String?
        @Option(name: .long, help: "Run inside this conversation.") var conversation: String?
        @Option(name: .long, help: "The correlation id (generated when absent).") var correlationId: String?
        @Flag(name: .long, help: "Return once the call is accepted (needs --conversation).") var async = false
        @OptionGroup var daemon: DaemonOptions

        func validate() throws {
            if async && conversation == nil { throw ValidationError("--async needs --conversation") }
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
                    print("accepted \(value["call_id"]?.stringValue ?? "?")")
                    return
                }
                let stdoutText = value["output"]?["stdout"]?.stringValue
                print("\(value["status"]?.stringValue ?? "?") \(value["call_id"]?.stringValue ?? "")")
                if let reason = value["reason"]?.stringValue {
                    print("reason: \(reason)\(value["message"]?.stringValue.map { ": \($0)" } ?? "")")
                }
                if let stdoutText {
                    print(stdoutText, terminator: stdoutText.hasSuffix("\n") || stdoutText.isEmpty ? "" : "\n")
                } else if let output = value["output"] {
                    HumanOutput.print(output)
                }
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a conversation's running tool calls.",
            discussion: """
                Kills the calls' sandboxes (and every process their tools started) and waits until each \
                call has ended; each result says cancelled. With --correlation-id, only that request's calls.

                EXAMPLE
                  jcs tool cancel app review-42 --correlation-id req-1
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @Option(name: .long, help: "Only the calls of this correlation id.") var correlationId: String?
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            let body: JSONValue = correlationId.map { ["correlation_id": .string($0)] } ?? [:]
            try DaemonRequest(options: daemon).run(
                "POST", RequestTarget.path("v1", "projects", project, "conversations", conversation, "cancel"), body: body
            ) { value in
                let cancelled = value["cancelled"]?.arrayValue ?? []
                print(cancelled.isEmpty ? "nothing was running" : "cancelled \(cancelled.compactMap(\.stringValue).joined(separator: " "))")
            }
        }
    }
}
