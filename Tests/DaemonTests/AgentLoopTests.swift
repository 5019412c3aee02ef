import Sandbox
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The agent loop end to end: the real daemon, real sandboxes, and a local OpenAI-compatible
/// endpoint (`Tests/LLMServer/fake_openai.py`) whose wire format the official `openai` library
/// checks. Each scenario is one scripted model behaviour.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct AgentLoopTests {
    /// In the daemon's environment (it inherits the test process's): never in any output.
    static let key: String = {
        setenv("JCS_TEST_LLM_KEY", "sk-test-7f3a9c1e5b2d4a68-SECRET", 1)
        return "sk-test-7f3a9c1e5b2d4a68-SECRET"
    }()

    struct Setup {
        let server: FakeModelServer
        let fixture: DaemonFixture
    }

    static func start(_ options: [String] = []) throws -> Setup {
        _ = key
        let server = try FakeModelServer()
        let fixture = try DaemonFixture()
        var args = [
            "project", "start", fixture.projectRoot, "--id", "p1", "--option", "llm_base_url=\(server.baseURL)",
            "--option", "llm_model=fake-model", "--option", "llm_api_key_env=JCS_TEST_LLM_KEY",
        ]
        for option in options { args += ["--option", option] }
        let started = runProduct("jcs", args + ["--json", "--socket", fixture.daemon.socketPath])
        #expect(started.status == 0, "\(started.out) \(started.err)")
        return Setup(server: server, fixture: fixture)
    }

    /// `jcs conversation send p1 CONV TEXT --follow --json`: the turn's events, one per line.
    static func follow(_ setup: Setup, _ conversation: String, _ text: String) -> (status: Int32, events: [JSONValue]) {
        _ = setup.fixture.jcs("conversation", "start", "p1", "--id", conversation)
        let r = runProduct(
            "jcs", ["conversation", "send", "p1", conversation, text, "--follow", "--json", "--socket", setup.fixture.daemon.socketPath])
        let events = r.out.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        return (r.status, events)
    }

    static func names(_ events: [JSONValue]) -> [String] { events.compactMap { $0["event"]?.stringValue } }

    static func payloads(_ events: [JSONValue], _ name: String) -> [JSONValue] {
        events.filter { $0["event"]?.stringValue == name }.map { $0["payload"] ?? .null }
    }

    // MARK: -

    @Test func theFakeEndpointSpeaksTheWireFormatTheOfficialOpenAILibraryReads() throws {
        try #require(
            access(FakeModelServer.python, X_OK) == 0,
            "the OpenAI Python library's virtualenv is missing at \(FakeModelServer.python): run scripts/setup (PyPI unreachable?)")
        let server = try FakeModelServer()
        let r = runProgram(["/usr/bin/timeout", "60", FakeModelServer.python, FakeModelServer.wireCheck, "--base-url", server.baseURL])
        #expect(r.status == 0, "\(r.out)\n\(r.err)")
        let summary = try JSONParser.parse(r.out.split(separator: "\n").last.map(String.init) ?? "")
        #expect(summary["parallel_calls"]?.intValue == 3)
        #expect(summary["openai"]?.stringValue == "3.51.0")
    }

    @Test func aTurnAnswersRunsEveryToolCallThroughTheGateAndFeedsResultsBack() throws {
        let setup = try Self.start()

        let final = Self.follow(setup, "c-final", "scenario:final")
        #expect(final.status == 0)
        #expect(Self.names(final.events).first == "conversation.user.message")
        #expect(Self.names(final.events).first { $0.hasPrefix("llm.") } == "llm.requested")
        let completed = try #require(Self.payloads(final.events, "llm.completed").first)
        #expect(completed["finish_reason"]?.stringValue == "stop")
        #expect(completed["tokens_out"]?.intValue == 5)
        #expect(completed["time_to_first_token_ms"]?.intValue != nil)
        let deltas = Self.payloads(final.events, "conversation.assistant.delta").compactMap { $0["text"]?.stringValue }
        #expect(deltas.joined() == "Hello from the fake model.")
        // Coalesced: the four pieces the endpoint streamed arrive in fewer events.
        #expect(deltas.count < 4)
        #expect(Self.payloads(final.events, "conversation.assistant.message").first?["text"]?.stringValue == "Hello from the fake model.")
        #expect(Set(final.events.compactMap { $0["correlation_id"]?.stringValue }).count == 1)
        let request = try #require(setup.server.requests("final").first)
        #expect(request["authorization"]?.stringValue == "Bearer \(Self.key)")
        #expect(request["stream"]?.boolValue == true)
        #expect(request["stream_options"]?["include_usage"]?.boolValue == true)
        #expect(request["tool_choice"]?.stringValue == "auto")
        #expect(request["tools"]?.arrayValue?.contains("shell_run") == true)

        let one = Self.follow(setup, "c-one", "scenario:one_tool")
        #expect(one.status == 0)
        #expect(Self.payloads(one.events, "tool.completed").count == 1)
        let answer = Self.payloads(one.events, "conversation.assistant.message").first?["text"]?.stringValue ?? ""
        #expect(answer.contains("hello-from-sandbox"), "\(answer)")

        let parallel = Self.follow(setup, "c-par", "scenario:parallel")
        #expect(parallel.status == 0)
        #expect(Self.payloads(parallel.events, "tool.completed").count == 3)
        let text = Self.payloads(parallel.events, "conversation.assistant.message").first?["text"]?.stringValue ?? ""
        for word in ["alpha", "beta", "gamma"] { #expect(text.contains(word), "\(text)") }
        // The results went back in the order the model wrote the calls, paired by id.
        let second = try #require(setup.server.requests("parallel").last)
        let toolIds = (second["messages"]?.arrayValue ?? []).filter { $0["role"]?.stringValue == "tool" }
            .compactMap { $0["tool_call_id"]?.stringValue }
        #expect(toolIds == ["call_a", "call_b", "call_c"])

        let context = setup.fixture.jcs("conversation", "context", "p1", "c-par")
        #expect(context.json["configured"]?.boolValue == true)
        #expect(context.json["messages"]?.arrayValue?.count == 6, "\(context.json)")
    }

    @Test func refusedCallsAreToldToTheModelAndTheTurnGoesOn() throws {
        let setup = try Self.start(["max_turn_steps=3"])

        let denied = Self.follow(setup, "c-denied", "scenario:denied")
        #expect(denied.status == 0)
        #expect(Self.names(denied.events).contains("policy.denied") || Self.names(denied.events).contains("security.sandbox_violation"))
        #expect(Self.payloads(denied.events, "conversation.assistant.message").first?["text"]?.stringValue?.contains("failed") == true)

        let unknown = Self.follow(setup, "c-unknown", "scenario:unknown")
        #expect(unknown.status == 0)
        let unknownAnswer = Self.payloads(unknown.events, "conversation.assistant.message").first?["text"]?.stringValue ?? ""
        #expect(unknownAnswer.contains("unknown_tool"), "\(unknownAnswer)")

        let invalid = Self.follow(setup, "c-invalid", "scenario:invalid_args")
        #expect(invalid.status == 0)
        #expect(Self.payloads(invalid.events, "conversation.assistant.message").first?["text"]?.stringValue?.contains("invalid_arguments") == true)
        #expect(Self.payloads(invalid.events, "tool.started").isEmpty)

        let huge = Self.follow(setup, "c-huge", "scenario:huge_args")
        #expect(huge.status == 0)
        #expect(Self.payloads(huge.events, "conversation.assistant.message").first?["text"]?.stringValue?.contains("arguments_too_large") == true)
        let timeline = setup.fixture.jcs("conversation", "show", "p1", "c-huge").json["timeline"]?.arrayValue ?? []
        #expect(timeline.contains { $0["kind"]?.stringValue == "tool_refused" })

        let loop = Self.follow(setup, "c-loop", "scenario:loop")
        #expect(loop.status != 0)
        #expect(Self.payloads(loop.events, "llm.failed").last?["reason"]?.stringValue == "max_turn_steps_exceeded")
        #expect(setup.server.requests("loop").count == 3)
    }

    @Test func endpointFaultsAreRetriedOrEndTheTurnWithAReason() throws {
        let setup = try Self.start(["llm_timeout_ms=1500"])

        let limited = Self.follow(setup, "c-429", "scenario:rate_limited")
        #expect(limited.status == 0)
        let retry = try #require(Self.payloads(limited.events, "llm.failed").first)
        #expect(retry["reason"]?.stringValue == "rate_limited")
        #expect(retry["retry_in_ms"]?.intValue == 1000)
        let attempts = setup.server.requests("rate_limited").compactMap { $0["at"]?.doubleValue }
        #expect(attempts.count == 2)
        #expect(attempts.count == 2 && attempts[1] - attempts[0] >= 0.95, "Retry-After honoured: \(attempts)")

        let failing = Self.follow(setup, "c-500", "scenario:server_error")
        #expect(failing.status == 0)
        #expect(Self.payloads(failing.events, "llm.failed").first?["reason"]?.stringValue == "server_error")

        let cut = Self.follow(setup, "c-cut", "scenario:cut")
        #expect(cut.status != 0)
        #expect(Self.payloads(cut.events, "llm.failed").last?["reason"]?.stringValue == "stream_cut")
        #expect(Self.payloads(cut.events, "tool.started").isEmpty)

        let slow = Self.follow(setup, "c-slow", "scenario:slow")
        #expect(slow.status != 0)
        #expect(Self.payloads(slow.events, "llm.failed").last?["reason"]?.stringValue == "timeout")

        let metrics = setup.fixture.jcs("conversation", "list", "p1")
        #expect(metrics.status == 0)
        let scrape = runProgram(["/usr/bin/curl", "-s", "--unix-socket", setup.fixture.daemon.socketPath, "http://jcs/metrics"])
        #expect(scrape.out.contains("jcs_llm_failures_total{project=\"p1\",reason=\"timeout\"} 1"), "\(scrape.out)")
        #expect(scrape.out.contains("jcs_llm_request_duration_seconds_count{project=\"p1\"}"))
        #expect(scrape.out.contains("jcs_llm_tokens_total{project=\"p1\",direction=\"out\"}"))
    }

    @Test func cancelClosesTheModelRequestAndKillsTheTurnsSandboxes() throws {
        let setup = try Self.start()
        let socket = setup.fixture.daemon.socketPath
        #expect(setup.fixture.jcs("conversation", "start", "p1", "--id", "c-hang").status == 0)
        #expect(setup.fixture.jcs("conversation", "send", "p1", "c-hang", "scenario:hang").status == 0)
        #expect(setup.server.waitFor("hanging", seconds: 20))
        let cancelled = setup.fixture.jcs("conversation", "cancel", "p1", "c-hang")
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(setup.server.waitFor("disconnected", seconds: 3), "the HTTP connection was not closed at cancel")
        let state = setup.fixture.jcs("conversation", "show", "p1", "c-hang").json
        #expect(state["state"]?.stringValue == "cancelled")
        let events = setup.fixture.jcs("events", "p1", "--conversation", "c-hang").json["events"]?.arrayValue ?? []
        #expect(events.contains { $0["event"]?.stringValue == "llm.failed" && $0["payload"]?["reason"]?.stringValue == "cancelled" })

        // A message meanwhile waits; resume starts it.
        #expect(setup.fixture.jcs("conversation", "send", "p1", "c-hang", "scenario:final queued").status == 0)
        #expect(setup.fixture.jcs("conversation", "context", "p1", "c-hang").json["queued_messages"]?.intValue == 1)
        #expect(setup.fixture.jcs("conversation", "resume", "p1", "c-hang").status == 0)
        var answered = false
        for _ in 0..<100 where !answered {
            usleep(100_000)
            let recent = setup.fixture.jcs("events", "p1", "--conversation", "c-hang").json["events"]?.arrayValue ?? []
            answered = recent.contains { $0["event"]?.stringValue == "conversation.assistant.message" }
        }
        #expect(answered)

        // A turn running a tool: cancel kills its sandbox and every process in it.
        #expect(setup.fixture.jcs("conversation", "start", "p1", "--id", "c-sleep").status == 0)
        #expect(setup.fixture.jcs("conversation", "send", "p1", "c-sleep", "scenario:sleep_tool").status == 0)
        let marker = "3600.\(setup.server.port)"
        var running = false
        for _ in 0..<200 where !running {
            usleep(100_000)
            running = Self.processes(containing: marker) > 0
        }
        #expect(running, "the tool never started")
        let killed = runProduct("jcs", ["conversation", "cancel", "p1", "c-sleep", "--json", "--socket", socket])
        #expect(killed.status == 0)
        #expect((try? JSONParser.parse(killed.out))?["cancelled"]?.arrayValue?.count == 1, "\(killed.out)")
        #expect(Self.processes(containing: marker) == 0, "a process of the cancelled turn is left")
        let sleepEvents = setup.fixture.jcs("events", "p1", "--conversation", "c-sleep").json["events"]?.arrayValue ?? []
        #expect(sleepEvents.contains { $0["event"]?.stringValue == "tool.cancelled" })
        #expect(sleepEvents.contains { $0["event"]?.stringValue == "tool.child_processes_terminated" })
    }

    @Test func theKeyNeverLeavesTheDaemonEvenWhenTheModelEchoesIt() throws {
        let setup = try Self.start()
        let turn = Self.follow(setup, "c-key", "scenario:echo_key")
        #expect(turn.status == 0)
        let request = try #require(setup.server.requests("echo_key").first)
        #expect(request["authorization"]?.stringValue == "Bearer \(Self.key)")
        let fixture = setup.fixture
        var outputs = turn.events.map { JSONWriter.text($0) }
        outputs.append(JSONWriter.text(fixture.jcs("conversation", "show", "p1", "c-key").json))
        outputs.append(JSONWriter.text(fixture.jcs("conversation", "context", "p1", "c-key").json))
        outputs.append(JSONWriter.text(fixture.jcs("events", "p1").json))
        outputs.append(JSONWriter.text(fixture.jcs("project", "list").json))
        outputs.append(JSONWriter.text(fixture.jcs("diagnostics", "p1").json))
        outputs.append(runProgram(["/usr/bin/curl", "-s", "--unix-socket", fixture.daemon.socketPath, "http://jcs/metrics"]).out)
        outputs.append(readTextFile(fixture.daemon.logPath) ?? "")
        for output in outputs { #expect(!output.contains(Self.key)) }
        #expect(outputs.joined().contains("[REDACTED]"))
        // The journal on disk, too.
        let grep = runProgram(["/usr/bin/grep", "-r", "-c", Self.key, fixture.directory.file("data")])
        #expect(!grep.out.split(separator: "\n").contains { !$0.hasSuffix(":0") }, "\(grep.out)")
        // The model saw its own echo redacted when the results went back.
        let second = try #require(setup.server.requests("echo_key").last)
        #expect(!JSONWriter.text(second["messages"] ?? .null).contains(Self.key))
    }

    @Test func withoutAModelMessagesAreJournaledAndTheOptionsAreStrict() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p0").status == 0)
        #expect(fixture.jcs("conversation", "start", "p0", "--id", "c0").status == 0)
        let sent = fixture.jcs("conversation", "send", "p0", "c0", "hello")
        #expect(sent.json["agent"]?.stringValue == "none")
        #expect(fixture.jcs("conversation", "context", "p0", "c0").json["configured"]?.boolValue == false)
        #expect(fixture.jcs("conversation", "show", "p0", "c0").json["agent"]?.stringValue?.hasPrefix("none") == true)

        let cases: [([String], String)] = [
            (["llm_base_url=http://127.0.0.1:9/v1"], "llm_model"),
            (["llm_base_url=ftp://x/v1", "llm_model=m"], "llm_base_url"),
            (["llm_base_url=http://example.com/v1", "llm_model=m"], "llm_base_url"),
            (["llm_base_url=https://u:p@example.com/v1", "llm_model=m"], "llm_base_url"),
            (["llm_base_url=https://example.com/v1", "llm_model=m", "llm_api_key_env=sk-abc.def"], "llm_api_key_env"),
            (["llm_base_url=https://example.com/v1", "llm_model=m", "llm_api_key_env=JCS_NO_SUCH_VARIABLE_X"], "llm_api_key_env"),
            (["llm_base_url=https://example.com/v1", "llm_model=m", "llm_temperature=3"], "llm_temperature"),
            (["llm_base_url=https://example.com/v1", "llm_model=m", "max_turn_steps=0"], "max_turn_steps"),
            (["llm_model=m"], "llm_base_url"),
        ]
        for (index, (options, field)) in cases.enumerated() {
            let args = ["project", "start", fixture.projectRoot, "--id", "bad\(index)"] + options.flatMap { ["--option", $0] }
            let r = runProduct("jcs", args + ["--json", "--socket", fixture.daemon.socketPath])
            #expect(r.status != 0, "\(options)")
            #expect((r.out + r.err).contains(field), "\(options): \(r.out) \(r.err)")
        }
    }

    /// Processes whose command line holds `marker`.
    static func processes(containing marker: String) -> Int {
        let r = runProgram(["/usr/bin/pgrep", "-f", "-c", marker])
        return Int(r.out.filter(\.isNumber)) ?? 0
    }
}
