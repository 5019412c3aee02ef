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
        subcommands: [
            Start.self, Stop.self, Send.self, List.self, Show.self, Cancel.self, Resume.self, Context.self,
        ]
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
            abstract: "Send a user message to a conversation; with a model configured, it starts a turn.",
            discussion: """
                The message is committed to the journal before the command returns, and is part of the \
                conversation's timeline and incident timeline under its correlation id. When the project \
                configures a model (llm_base_url, docs/agents.md), the message starts a turn (or waits \
                behind the running one): the model answers, calling tools through the project's gate. \
                Without a model the message is only journaled, and the output says so.

                Prints the journal entry's sequence number (the whole entry with --json). With --follow, \
                prints the turn as it happens instead: the assistant's text as it streams, one line per \
                tool call and result, and how the turn ended (with --json, one event per line). The \
                exit status is 1 when the turn ended without an answer.

                EXAMPLES
                  jcs conversation send app review-42 "run the tests" --correlation-id r7
                  jcs conversation send app review-42 "why does the build fail?" --follow
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @Argument(help: "The message's text.") var text: String
        @Option(name: .long, help: "The correlation id (generated when absent).") var correlationId: String?
        @Flag(name: .long, help: "Stream the turn the message starts until it ends.") var follow = false
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            var body: [String: JSONValue] = ["text": .string(text)]
            if let correlationId { body["correlation_id"] = .string(correlationId) }
            let path = RequestTarget.path("v1", "projects", project, "conversations", conversation, "messages")
            guard follow else {
                return try DaemonRequest(options: daemon).run("POST", path, body: .object(body)) { entry in
                    let agent = entry["agent"]?.stringValue == "none" ? " (no model configured: journaled only)" : ""
                    HumanOutput.line(
                        "recorded #\(entry["sequence"].map { "\($0)" } ?? "?") correlation_id=\(entry["correlation_id"]?.stringValue ?? "?")\(agent)")
                }
            }
            var entry: JSONValue = .null
            var quiet = daemon
            quiet.json = false
            try DaemonRequest(options: quiet).run("POST", path, body: .object(body)) { entry = $0 }
            guard entry["agent"]?.stringValue == "model", let turn = entry["correlation_id"]?.stringValue else {
                HumanOutput.line("recorded; no model configured (llm_base_url): the message is only journaled")
                return
            }
            var answered = false
            var printer = TurnPrinter()
            // Rendered here in both modes: the events also decide the exit status.
            try DaemonRequest(options: quiet).follow(
                RequestTarget.path("v1", "projects", project, "conversations", conversation, "turns", turn)
            ) { event in
                if daemon.json {
                    Swift.print(JSONWriter.text(event))
                } else {
                    printer.print(event)
                }
                if event["event"]?.stringValue == EventKind.conversationAssistantMessage.rawValue { answered = true }
            }
            if !daemon.json { printer.finish() }
            if !answered { throw ExitCode.failure }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a conversation's running turn and tool calls; it then waits for resume.",
            discussion: """
                The model request in flight is torn down at once, and the turn's running sandboxes are \
                killed with every process they started (tool.cancelled, tool.child_processes_terminated). \
                The conversation is `cancelled`: messages sent meanwhile are journaled and wait until \
                `jcs conversation resume`.

                EXAMPLE
                  jcs conversation cancel app review-42
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run(
                "POST", RequestTarget.path("v1", "projects", project, "conversations", conversation, "cancel"), body: [:]
            ) { value in
                let calls = value["cancelled"]?.arrayValue?.count ?? 0
                HumanOutput.line("cancelled \(conversation) (\(calls) tool call\(calls == 1 ? "" : "s") killed)")
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a cancelled conversation take turns again.",
            discussion: """
                The next queued message, if any, starts a turn.

                EXAMPLE
                  jcs conversation resume app review-42
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run(
                "POST", RequestTarget.path("v1", "projects", project, "conversations", conversation, "resume"), body: [:]
            ) { _ in HumanOutput.line("resumed \(conversation)") }
        }
    }

    struct Context: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the model sees of a conversation (the llm_context projection).",
            discussion: """
                The messages of every turn as the next request will send them (elided ones marked), the \
                running turn, queued messages and pending tool calls.

                EXAMPLE
                  jcs conversation context app review-42 --json
                """
        )

        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The conversation's id.") var conversation: String
        @OptionGroup var daemon: DaemonOptions

        func run() throws {
            try DaemonRequest(options: daemon).run(
                "GET", RequestTarget.path("v1", "projects", project, "conversations", conversation, "llm_context"))
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
