#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// The A2A face driven by a real third-party client, the official `a2a-sdk` (1.x, A2A 1.0):
/// `Tests/A2AClients/scenario.py` resolves the agent card and sends, streams, gets and cancels
/// tasks against the real daemon, whose conversation agent asks the local OpenAI-compatible
/// endpoint (`Tests/LLMServer/fake_openai.py`) and runs its tool calls in real sandboxes. The
/// script asserts as it goes and prints one JSON summary line, asserted on here too.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct A2AClientTests {
    /// `$JCS_A2A_PYTHON`, else the virtualenv `scripts/setup` creates.
    static let python: String =
        DaemonSocketEnvironment.value("JCS_A2A_PYTHON") ?? Probe.repositoryRoot + "/.build-venv/a2a/bin/python"
    static let script = Probe.repositoryRoot + "/Tests/A2AClients/scenario.py"

    struct Setup {
        let server: FakeModelServer
        let fixture: DaemonFixture
    }

    /// A daemon (with `config`), the fake model, and projects whose agent asks it.
    static func start(config: JSONValue? = nil, projects: [(String, [String])]) throws -> Setup {
        // Missing on purpose is a failure, never a skip: CI runs scripts/setup, so a missing SDK
        // means the setup is broken, and a skipped client test would hide exactly that.
        try #require(
            access(python, X_OK) == 0,
            "the A2A Python SDK's virtualenv is missing at \(python): run scripts/setup (or set JCS_A2A_PYTHON)")
        let server = try FakeModelServer()
        let fixture = try DaemonFixture(config: config)
        for (id, options) in projects {
            var all = ["llm_base_url=\(server.baseURL)", "llm_model=fake-model"]
            all += options
            let started = fixture.startMCPProject(id, options: all)
            #expect(started.status == 0, "\(started.json) \(started.stderr)")
        }
        return Setup(server: server, fixture: fixture)
    }

    /// Runs one scenario of the script; its summary line.
    static func run(_ scenario: String, _ args: [String]) throws -> JSONValue {
        let r = runProgram(["/usr/bin/timeout", "120", python, script, scenario] + args)
        try #require(r.status == 0, "the a2a-sdk client failed in '\(scenario)' (\(r.status)):\n\(r.out)\n\(r.err)")
        return try JSONParser.parse(r.out.split(separator: "\n").last.map(String.init) ?? "")
    }

    static func events(_ fixture: DaemonFixture, _ project: String) -> [JSONValue] {
        fixture.jcs("events", project).json["events"]?.arrayValue ?? []
    }

    // MARK: -

    @Test func theCardNamesTheInterfacesStreamingAndTheToolsAsSkills() throws {
        let setup = try Self.start(projects: [("p1", [])])
        _ = system2(["/bin/mkdir", "-p", setup.fixture.directory.file("p1/.jido/skills")])
        setup.fixture.directory.write("p1/.jido/skills/review.md", "---\nname: review\ndescription: Review a change\n---\nRead the diff.\n")
        #expect(setup.fixture.jcs("reload-assets", "p1").status == 0)
        let socket = setup.fixture.daemon.socketPath
        let card = try Self.run("card", ["--socket", socket, "--project", "p1"])
        #expect(card["sdk"]?.stringValue == "1.3.0")
        #expect(card["name"]?.stringValue == "jcs:p1")
        #expect(card["streaming"]?.boolValue == true)
        let interfaces = card["interfaces"]?.arrayValue ?? []
        #expect(interfaces.count == 1, "no TCP listener: the socket only")
        #expect(interfaces.first?["binding"]?.stringValue == "JSONRPC")
        #expect(interfaces.first?["version"]?.stringValue == "1.0")
        // The resolver was handed the socket's interface rewritten for httpx; the card said where.
        #expect(interfaces.first?["url"]?.stringValue == "http://jcs/v1/projects/p1/a2a")
        let skills = card["skills"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(skills.contains("tool:fs.read"))
        #expect(skills.contains("tool:shell.run"))
        #expect(skills.contains("assets"))
        #expect(card["security_schemes"]?.arrayValue?.isEmpty == true, "no TCP listener, no token to ask for")

        // The raw card says where the socket is.
        let raw = try #require(
            RawHTTP.send(socket: socket, method: "GET", target: "/v1/projects/p1/a2a/.well-known/agent-card.json", body: []))
        #expect(raw.status == 200)
        let url = raw.json["supportedInterfaces"]?[0]?["url"]?.stringValue ?? ""
        #expect(url == "http+unix://" + socket.split(separator: "/").map { String($0) }.reduce("") { $0 + "%2F" + $1 } + "/v1/projects/p1/a2a", "\(url)")
        #expect(raw.json["skills"]?.arrayValue?.last?["description"]?.stringValue?.contains("1 skill") == true, "\(raw.json)")
    }

    @Test func sendAnswersWithTheModelsAnswerAndGetTaskAgrees() throws {
        let setup = try Self.start(projects: [("p1", [])])
        let summary = try Self.run("send", ["--socket", setup.fixture.daemon.socketPath, "--project", "p1"])
        #expect(summary["state"]?.stringValue == "TASK_STATE_COMPLETED")
        #expect(summary["answer"]?.stringValue == "Hello from the fake model.")
        #expect(summary["status_text"]?.stringValue == "Hello from the fake model.")
        let history = summary["history"]?.arrayValue ?? []
        #expect(history.count == 2)
        #expect(history.first?[0]?.stringValue == "ROLE_USER")
        #expect(history.first?[1]?.stringValue == "scenario:final")
        #expect(history.last?[0]?.stringValue == "ROLE_AGENT")
        #expect(summary["second_history"]?.intValue == 4, "the second message continued the same conversation")
        #expect(summary["limited_history"]?.intValue == 1)
        #expect(summary["missing"]?.stringValue == "TaskNotFoundError")
        #expect(summary["not_cancelable"]?.stringValue == "TaskNotCancelableError")
        // The task is the conversation: the REST API and the journal see the same turns.
        let taskId = try #require(summary["task_id"]?.stringValue)
        let shown = setup.fixture.jcs("conversation", "show", "p1", taskId).json
        let kinds = shown["timeline"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(kinds.filter { $0 == "assistant_message" }.count == 2, "\(kinds)")
        let correlation = try #require(summary["correlation_id"]?.stringValue)
        #expect(Self.events(setup.fixture, "p1").contains {
            $0["event"]?.stringValue == "llm.completed" && $0["correlation_id"]?.stringValue == correlation
        })
        #expect(setup.server.requests("final").count == 2)
    }

    @Test func streamingSendsStatusUpdatesAndTheTextAsTheTurnRuns() throws {
        let setup = try Self.start(projects: [("p1", [])])
        let summary = try Self.run("stream", ["--socket", setup.fixture.daemon.socketPath, "--project", "p1"])
        let kinds = summary["kinds"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(kinds.first == "task")
        #expect(kinds.last == "status_update")
        #expect(kinds.contains("artifact_update"))
        #expect(["TASK_STATE_SUBMITTED", "TASK_STATE_WORKING"].contains(summary["first_state"]?.stringValue ?? ""))
        let deltas = summary["deltas"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(deltas.joined() == "Hello from the fake model.", "\(summary)")
        #expect(summary["artifact"]?.stringValue == "Hello from the fake model.")
        #expect(summary["final_state"]?.stringValue == "TASK_STATE_COMPLETED")
        let states = summary["states"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(states.dropLast().allSatisfy { $0 == "TASK_STATE_WORKING" }, "\(states)")
        #expect(summary["get_state"]?.stringValue == "TASK_STATE_COMPLETED")
        #expect(summary["get_answer"]?.stringValue == "Hello from the fake model.")
    }

    @Test func aToolCallRunsInARealSandboxDuringATask() throws {
        let setup = try Self.start(projects: [("p1", [])])
        let summary = try Self.run(
            "stream", ["--socket", setup.fixture.daemon.socketPath, "--project", "p1", "--text", "scenario:one_tool"])
        let activity = summary["activity"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(activity.contains("running tool shell.run"), "\(activity)")
        #expect(activity.contains { $0.hasPrefix("tool shell.run: ") }, "\(activity)")
        #expect(summary["final_state"]?.stringValue == "TASK_STATE_COMPLETED")
        #expect(summary["artifact"]?.stringValue?.contains("hello-from-sandbox") == true, "\(summary)")
        // The echo ran in a sandbox: the gate's events of the task's conversation say so.
        let taskId = try #require(summary["task_id"]?.stringValue)
        let events = setup.fixture.jcs("events", "p1", "--conversation", taskId).json["events"]?.arrayValue ?? []
        #expect(events.contains { $0["event"]?.stringValue == "tool.started" })
        #expect(events.contains { $0["event"]?.stringValue == "tool.completed" })
    }

    @Test func cancelMidTurnKillsTheSandboxAndLeavesNoProcess() throws {
        let setup = try Self.start(projects: [("p1", [])])
        let marker = "3600.\(setup.server.port)"
        let summary = try Self.run(
            "cancel", ["--socket", setup.fixture.daemon.socketPath, "--project", "p1", "--model-port", "\(setup.server.port)"])
        #expect(summary["running_state"]?.stringValue == "TASK_STATE_WORKING")
        #expect(summary["cancel_state"]?.stringValue == "TASK_STATE_CANCELED")
        #expect(summary["get_state"]?.stringValue == "TASK_STATE_CANCELED")
        #expect((summary["processes_before"]?.intValue ?? 0) > 0, "the sandboxed sleep was running when the task was cancelled")
        #expect(summary["processes_left"]?.intValue == 0)
        #expect(AgentLoopTests.processes(containing: marker) == 0, "a process of the cancelled task is left")
        let taskId = try #require(summary["task_id"]?.stringValue)
        let events = setup.fixture.jcs("events", "p1", "--conversation", taskId).json["events"]?.arrayValue ?? []
        #expect(events.contains { $0["event"]?.stringValue == "tool.cancelled" })
        #expect(events.contains { $0["event"]?.stringValue == "tool.child_processes_terminated" })
        #expect(events.contains { $0["event"]?.stringValue == "conversation.cancelled" })
    }

    @Test func aProjectWithoutA2AInItsAllowlistRefusesAndSaysSo() throws {
        let setup = try Self.start(projects: [("closed", [#"protocol_allowlist=["cli","http","mcp"]"#]), ("open", [])])
        let summary = try Self.run(
            "denied", ["--socket", setup.fixture.daemon.socketPath, "--project", "closed", "--other", "open"])
        #expect(summary["card_error"]?.stringValue?.contains("403") == true, "\(summary)")
        #expect(summary["send_error"]?["type"]?.stringValue == "UnsupportedOperationError")
        #expect(summary["send_error"]?["message"]?.stringValue?.hasPrefix("protocol_denied") == true)
        #expect(summary["send_error"]?["data"]?["reason"]?.stringValue == "protocol_denied")
        let denied = Self.events(setup.fixture, "closed").filter { $0["event"]?.stringValue == "security.protocol_denied" }
        #expect(denied.contains { $0["payload"]?["method"]?.stringValue == "SendMessage" }, "\(denied)")
        #expect(denied.contains { $0["payload"]?["method"]?.stringValue == "agent-card" })
        #expect(denied.allSatisfy { $0["payload"]?["protocol"]?.stringValue == "a2a" })
        #expect(setup.server.requests("final").isEmpty, "no turn ran")
        #expect(setup.fixture.jcs("conversation", "list", "p1").json["conversations"]?.arrayValue?.isEmpty ?? true)
    }

    @Test func overTCPATokenReachesItsProjectOnlyAndTheCardAsksForIt() throws {
        let secret = "a2a-agent-secret-3c9d1e7f"
        let config: JSONValue = [
            "tcp": [
                "listen": "127.0.0.1:0",
                "tokens": [["name": "agent", "sha256": .string(SHA256.hexDigest(Array(secret.utf8))), "projects": ["p1"]]],
            ]
        ]
        let setup = try Self.start(config: config, projects: [("p1", []), ("p2", [])])
        let port = try setup.fixture.tcpPort()
        let url = "http://127.0.0.1:\(port)"
        let card = try Self.run("card", ["--url", url, "--token", secret, "--project", "p1"])
        let interfaces = card["interfaces"]?.arrayValue?.compactMap { $0["url"]?.stringValue } ?? []
        #expect(interfaces.first == "\(url)/v1/projects/p1/a2a", "served over TCP, the TCP interface first: \(interfaces)")
        #expect(interfaces.count == 2 && interfaces[1].hasPrefix("http+unix://"))
        #expect(card["security_schemes"]?.arrayValue == ["bearer"])
        #expect(card["bearer"]?.stringValue == "Bearer")

        let scoped = try Self.run("scoped", ["--url", url, "--token", secret, "--project", "p1", "--other", "p2"])
        #expect(scoped["own_state"]?.stringValue == "TASK_STATE_COMPLETED")
        #expect(scoped["other_card"]?.stringValue?.contains("403") == true, "\(scoped)")
        #expect(scoped["other_send"]?.stringValue?.contains("403") == true, "\(scoped)")
        #expect(setup.fixture.logLines.contains {
            $0["event"]?.stringValue == "daemon.tcp_denied" && $0["reason"]?.stringValue?.contains("'p2'") == true
        })
        #expect(setup.fixture.jcs("conversation", "list", "p2").json["conversations"]?.arrayValue?.isEmpty == true)
        // Over the socket the same card lists the socket first.
        let local = try #require(
            RawHTTP.send(socket: setup.fixture.daemon.socketPath, method: "GET", target: "/v1/projects/p1/a2a/.well-known/agent-card.json", body: []))
        #expect(local.json["supportedInterfaces"]?[0]?["url"]?.stringValue?.hasPrefix("http+unix://") == true)
        #expect(local.json["supportedInterfaces"]?[1]?["url"]?.stringValue == "\(url)/v1/projects/p1/a2a")
    }
}
