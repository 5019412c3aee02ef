import ArgumentParser
import Sandbox

/// `jcs conversation start|stop|send|list|show`.
struct ConversationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversation",
        abstract: "Start, stop and inspect a project's conversations.",
        discussion: """
            EXAMPLE
              jcs conversation start app --id review-42
            """,
        subcommands: [Start.self, Stop.self, Send.self, List.self, Show.self]
    )

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a conversation in a project.",
            discussion: """
                Prints the conversation's id (generated when --id is absent); pass it to \
                `jcs tool run --conversation` so the calls are journaled and cancellable together.

                EXAMPLE
                  jcs conversation start app --id review-42
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Option(name: .long, help: "The conversation's id.") var id: String?
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            let body: JSONValue = id.map { ["id": .string($0)] } ?? [:]
            try DaemonRequest(options: daemon).run(
                "POST", RequestTarget.path("v1", "projects", project, "conversations"), body: body
            ) { HumanOutput.line($0["id"]?.stringValue ?? "?") }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a conversation: its running tool calls are cancelled, their processes killed.",
            discussion: """
                The runbook's containment step for a high-error conversation. Its timeline stays readable \
                with `jcs incident`.

                EXAMPLE
                  jcs conversation stop app review-42
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run(
                "DELETE", RequestTarget.path("v1", "projects", project, "conversations", conversation)
            ) { _ in HumanOutput.line("stopped \(conversation)") }
        }
    }

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a user message to a conversation's journal.",
            discussion: """
                The message is committed to the journal before the command returns, and is part of the \
                conversation's timeline and incident timeline under its correlation id. Prints the journal \
                entry's sequence number (the whole entry with --json).

                EXAMPLE
                  jcs conversation send app review-42 "run the tests" --correlation-id r7
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @Argument(help: "The message's text.") var text: String
        @Option(name: .long, help: "The correlation id (generated when absent).") var correlationId: String?
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            var body: [String: JSONValue] = ["text": .string(text)]
            if let correlationId { body["correlation_id"] = .string(correlationId) }
            try DaemonRequest(options: daemon).run(
                "POST", RequestTarget.path("v1", "projects", project, "conversations", conversation, "messages"),
                body: .object(body)
            ) { entry in
                HumanOutput.line("recorded #\(entry["sequence"].map { "\($0)" } ?? "?") correlation_id=\(entry["correlation_id"]?.stringValue ?? "?")")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a project's running conversations.",
            discussion: """
                EXAMPLE
                  jcs conversation list app --json
                """
        )

        @Argument(help: "The project's id.") var project: String
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run("GET", RequestTarget.path("v1", "projects", project, "conversations")) {
                let conversations = $0["conversations"]?.arrayValue ?? []
                if conversations.isEmpty {
                    HumanOutput.line("no conversations in \(project) (start one: jcs conversation start \(project) --id ID)")
                }
                for conversation in conversations {
                    // An id, or an object with its id and state.
                    if let id = conversation.stringValue ?? conversation["id"]?.stringValue {
                        let state = conversation["state"]?.stringValue ?? conversation["status"]?.stringValue
                        HumanOutput.line(state.map { "\(id)\t\($0)" } ?? id)
                    }
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a conversation's state, pending calls and newest journal entries.",
            discussion: """
                EXAMPLE
                  jcs conversation show app review-42 --limit 20
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @Option(name: .long, help: "How many journal entries to show (default 100).") var limit: Int?
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run(
                "GET",
                RequestTarget.path(
                    "v1", "projects", project, "conversations", conversation, query: [("limit", limit.map(String.init))]))
        }
    }
}
