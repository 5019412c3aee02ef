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
                output caps, the sensitive-content scan, events.

                Without --json, shown as `jcs sandbox run` shows a command: the program's stdout on stdout \
                and its stderr on stderr, byte for byte; each violation and limit on stderr ("jcs: \
                violation: …"); a secret the output scan found ("jcs: sensitive: …"); a truncation notice; \
                then one status line on stderr: "jcs: completed call-… (exit 3)", "jcs: failed call-…: \
                policy_denied: …". Other tools print their output on stdout (fs.read: the file's bytes). \
                With --json, the result object (status, reason, message, output, violations, \
                sensitive_findings, …); the exit status is the same either way.

                With --async the call is accepted and runs on; the command prints its call id and exits 0. \
                Inside a conversation its result shows in `jcs conversation show` and the incident timeline; \
                outside one, `jcs tool result PROJECT CALL` waits for it and `jcs tool cancel PROJECT --call \
                CALL` kills it. Either way its events carry the call and correlation ids.

                \(ToolRunExit.help)

                EXAMPLES
                  jcs tool run app shell.run \\
                      --args '{"argv":["sh","-c","echo hi"]}' --correlation-id req-1
                  jcs tool run app shell.run --args '{"script":"make test"}' --async
                  jcs tool run app fs.read --args '{"path":"logo.png"}' > logo.png
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
            let target = RequestTarget.path("v1", "projects", project, "tools", tool, "run")
            if async {
                try DaemonRequest(options: daemon).run("POST", target, body: .object(body)) { value in
                    HumanOutput.line("accepted \(value["call_id"]?.stringValue ?? "?")")
                }
                return
            }
            let request = DaemonRequest(options: daemon)
            CallInterrupt.shared.install()
            guard let conversation else {
                body["stream"] = true
                try ToolCommand.finish(ToolCommand.streamed(request, target, body: .object(body), project: project), daemon)
                return
            }
            // A conversation's call is cancelled by its correlation id, which must be known first.
            let correlation = correlationId ?? "cli-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            body["correlation_id"] = .string(correlation)
            let cancelTarget = RequestTarget.path("v1", "projects", project, "conversations", conversation, "cancel")
            let client = daemon.client
            CallInterrupt.shared.arm(
                hint: "Cancel it: jcs tool cancel \(project) \(conversation) --correlation-id \(correlation)"
            ) {
                _ = try? client.send("POST", cancelTarget, body: ["correlation_id": .string(correlation)])
            }
            try ToolCommand.finish(request.answer("POST", target, body: .object(body)), daemon)
        }
    }

    struct Result: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait for an async call and print its result.",
            discussion: """
                For a call started with `jcs tool run … --async`: waits while it runs, then prints the result \
                as `jcs tool run` would. Give --conversation for a call made inside one.

                \(ToolRunExit.help)

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
            try ToolCommand.finish(DaemonRequest(options: daemon).answer("GET", target), daemon)
        }
    }

    /// Runs a call as a stream (`stream: true`, `docs/api.md`): its id on stderr when it starts,
    /// its output and violations printed as they come (not with --json), Ctrl-C armed to cancel
    /// it; returns the result and the printer that showed the stream.
    static func streamed(
        _ request: DaemonRequest, _ target: String, body: JSONValue, project: String
    ) throws -> (JSONValue, ToolCallPrinter) {
        var printer = ToolCallPrinter()
        var result: JSONValue?
        var callId: String?
        var refusal: [UInt8] = []
        let status: Int
        let client = request.options.client
        do {
            status = try request.options.client.stream("POST", target, body: body) { line in
                guard let value = try? JSONParser.parse(line) else { return refusal += line }
                switch value["event"]?.stringValue {
                case "started":
                    let id = value["call_id"]?.stringValue ?? "?"
                    callId = id
                    printError("jcs: call \(id) started (Ctrl-C cancels it)")
                    let cancelTarget = RequestTarget.path("v1", "projects", project, "calls", id, "cancel")
                    CallInterrupt.shared.arm(
                        hint: "Cancel it: jcs tool cancel \(project) --call \(id); its result: jcs tool result \(project) \(id)"
                    ) {
                        _ = try? client.send("POST", cancelTarget, body: [:])
                    }
                case "output": if !request.options.json { printer.output(value) }
                case "violation": if !request.options.json { printer.violation(value["violation"] ?? .null) }
                case "result": result = value["result"]
                default: refusal += line
                }
            }
        } catch {
            throw request.unreachable(error)
        }
        guard (200..<300).contains(status) else {
            throw request.refused((try? JSONParser.parse(refusal)) ?? .null, status: status)
        }
        guard let result else {
            let how = callId.map { "; read its result with `jcs tool result \(project) \($0)`" } ?? ""
            throw request.unreachable(.malformedResponse("the daemon ended the call's stream before its result\(how)"))
        }
        return (result, printer)
    }

    /// Prints a call's result (JSON, or for a person) and exits with its status (`ToolRunExit`).
    static func finish(_ value: JSONValue, _ daemon: DaemonOptions) throws {
        try finish((value, ToolCallPrinter()), daemon)
    }

    static func finish(_ answer: (value: JSONValue, printer: ToolCallPrinter), _ daemon: DaemonOptions) throws {
        let value = answer.value
        if daemon.json {
            print(JSONWriter.text(value))
        } else {
            answer.printer.result(value)
        }
        let status = ToolRunExit.status(of: value)
        if status != 0 { throw ExitCode(status) }
    }

    /// A tool result for a person (`jcs tool cancel --call`), without the exit status.
    static func printResult(_ value: JSONValue) {
        ToolCallPrinter().result(value)
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
