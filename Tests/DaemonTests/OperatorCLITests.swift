#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 13, items 9, 10 and 11 end to end through the real daemon and the real `jcs`: options
/// can be discovered and a mistake is answered with the fix, and the human output of the other
/// verbs is aligned, complete and says when there is nothing.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct OperatorCLITests {
    @Test func optionsAreDiscoverableAndMistakesGetTheFix() throws {
        let fixture = try DaemonFixture()
        let socket = fixture.daemon.socketPath
        let typo = runProduct("jcs", ["project", "start", fixture.projectRoot, "--option", "tool_timeout=5", "--socket", socket])
        #expect(typo.status == 1)
        #expect(typo.err.contains("did you mean 'tool_timeout_ms'?"), "\(typo.err)")
        #expect(typo.err.contains("Valid options: tool_timeout_ms,") && typo.err.contains("jcs project options"))

        let noEquals = runProduct("jcs", ["project", "start", fixture.projectRoot, "--option", "tool_timeout_ms", "--socket", socket])
        #expect(noEquals.status == 64)
        #expect(noEquals.err.contains("--option 'tool_timeout_ms' is not KEY=VALUE"), "\(noEquals.err)")
        #expect(!noEquals.err.contains("USAGE: jcs <subcommand>"), "the top-level usage instead of the verb's error")

        let human = runProduct("jcs", ["project", "options", "--socket", socket])
        #expect(human.status == 0)
        #expect(human.out.contains("tool_timeout_ms") && human.out.contains("(default 30000)"), "\(human.out)")
        let json = fixture.jcs("project", "options")
        let keys = json.json["options"]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? []
        #expect(keys.contains("tool_max_output_bytes") && keys.count >= 30)
    }

    @Test func usageErrorsAndMistypedVerbsAnswerWithTheFix() throws {
        let fixture = try DaemonFixture()
        let socket = fixture.daemon.socketPath
        let verb = runProduct("jcs", ["projcet", "list", "--socket", socket])
        #expect(verb.status == 64)
        #expect(verb.err.contains("Did you mean 'jcs project'?"), "\(verb.err)")
        let nested = runProduct("jcs", ["project", "lst", "--socket", socket])
        #expect(nested.err.contains("Did you mean 'jcs project list'?"), "\(nested.err)")
        // With --json a usage error is JSON on stdout, like every other error.
        let json = runProduct("jcs", ["tool", "run", "p1", "fs.read", "--args", "{nope", "--json", "--socket", socket])
        #expect(json.status == 64)
        let parsed = try JSONParser.parse(json.out)
        #expect(parsed["error"] == "usage" && parsed["message"]?.stringValue?.contains("--args") == true, "\(json.out)")
        // The folder's name is a type.
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        #expect(fixture.jcs("assets", "p1", "commands").status == 0)
        let wrongType = runProduct("jcs", ["assets", "p1", "comands", "--socket", socket])
        #expect(wrongType.status == 64 && wrongType.err.contains("did you mean 'command'?"), "\(wrongType.err)")
        // An incident needs a conversation or a correlation id, and says so.
        let incident = runProduct("jcs", ["incident", "p1", "--socket", socket])
        #expect(incident.status == 64 && incident.err.contains("--correlation-id"), "\(incident.err)")
    }

    @Test func humanOutputIsAlignedCompleteAndSaysWhenEmpty() throws {
        let fixture = try DaemonFixture()
        let socket = fixture.daemon.socketPath
        _ = system2(["/bin/mkdir", "-p", fixture.projectRoot + "/.jido/commands"])
        fixture.directory.write("project/.jido/commands/bad.md", "no front matter\n")
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)

        let conversations = runProduct("jcs", ["conversation", "list", "p1", "--socket", socket])
        #expect(conversations.out.hasPrefix("no conversations in p1"), "\(conversations.out)")

        let tools = runProduct("jcs", ["tools", "p1", "--socket", socket])
        #expect(tools.out.contains("missing_front_matter"), "\(tools.out)")
        #expect(!tools.out.contains("{\""), "raw JSON in the human output: \(tools.out)")

        for index in 0..<8 {
            _ = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"missing-\#(index)"}"#)
        }
        _ = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"script":"exit 3"}"#, "--correlation-id", "req-x")
        let diagnostics = runProduct("jcs", ["diagnostics", "p1", "--socket", socket])
        let out = diagnostics.out
        for part in ["health: ", "sandbox: profile default (network none)", "assets: ", "runtime options:", "  tool_timeout_ms", "recent errors: "] {
            #expect(out.contains(part), "diagnostics lacks '\(part)': \(out)")
        }
        #expect(out.contains("more: --errors"), "\(out)")
        #expect(out.split(separator: "\n").count < 120, "diagnostics expanded everything: \(out.split(separator: "\n").count) lines")
        let more = runProduct("jcs", ["diagnostics", "p1", "--errors", "50", "--socket", socket])
        #expect(more.out.split(separator: "\n").count > out.split(separator: "\n").count)

        let events = runProduct("jcs", ["events", "p1", "--socket", socket])
        let completed = events.out.split(separator: "\n").first { $0.contains("tool.completed") && $0.contains("corr=req-x") }
        #expect(completed?.contains("conv=-") == true && completed?.contains("exit_code=3") == true, "\(events.out)")
        // Stable key order: call_id before tool, whatever the daemon's JSON order.
        if let line = completed, let call = line.firstRange(of: "call_id="), let tool = line.firstRange(of: " tool=") {
            #expect(call.lowerBound < tool.lowerBound)
        }
    }

    @Test func followingEventsEndsLoudlyWhenTheDaemonStops() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let follow = try BackgroundJCS(fixture, ["events", "p1", "--follow"])
        // --follow streams what is emitted after it subscribed, which a loaded machine can make
        // later than the first call: call until the follower has seen one (it raced in a full run).
        var seen = false
        for _ in 0..<10 where !seen {
            _ = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"script":"true"}"#)
            seen = (try? follow.wait(until: { $0.out.contains("tool.completed") }, seconds: 2)) != nil
        }
        #expect(seen, "the follower saw no tool.completed: \(follow.output())")
        _ = fixture.daemon.stop()
        let status = follow.finish()
        #expect(status == 3, "\(follow.output())")
        #expect(follow.output().err.contains("the daemon ended the event stream"), "\(follow.output().err)")
    }
}

/// Item 11: project ids keep to a documented alphabet; the refusal states the rule.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ProjectIdAlphabetTests {
    @Test func idsOutsideTheAlphabetAreRefusedWithTheRule() throws {
        let fixture = try DaemonFixture()
        for bad in ["a/b", "with space", "quote'd", #"back\slash"#, ".leading", String(repeating: "x", count: 65), "tab\tid"] {
            let answer = fixture.jcs("project", "start", fixture.projectRoot, "--id", bad)
            #expect(answer.status == 1, "\(bad): \(answer.json)")
            #expect(answer.json["field"] == "id", "\(bad): \(answer.json)")
            #expect(answer.json["message"]?.stringValue?.contains("A-Z, a-z, 0-9, '.', '_' and '-'") == true, "\(answer.json)")
        }
        #expect(fixture.jcs("project", "list").json["projects"]?.arrayValue?.isEmpty == true)
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "app-1.v2_x").status == 0)
    }
}

/// Item 11: `jcs serve` failures read as the command the user typed, with errno's text, and a
/// refused start leaves nothing behind.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ServeFailureTests {
    @Test func aSecondServeOnABusySocketCreatesNothingAndSaysJcs() throws {
        let fixture = try DaemonFixture()
        let data = fixture.directory.file("second-data")
        let second = runProduct("jcs", ["serve", "--data-dir", data, "--socket", fixture.daemon.socketPath])
        #expect(second.status == 1)
        #expect(second.err.hasPrefix("jcs: another daemon is listening on"), "\(second.err)")
        #expect(access(data, F_OK) != 0, "the refused daemon created its data directory")
    }

    @Test func anUncreatableDataDirectoryNamesTheErrno() throws {
        let fixture = try DaemonFixture()
        fixture.directory.write("a-file", "x")
        let answer = runProduct(
            "jcs", ["serve", "--data-dir", fixture.directory.file("a-file/data"), "--socket", fixture.directory.file("x.sock")])
        #expect(answer.status == 1)
        #expect(answer.err.contains("Not a directory (errno 20)"), "\(answer.err)")
        #expect(answer.err.hasPrefix("jcs: "), "\(answer.err)")
    }
}
