import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// The gate end to end, with the real worker and real sandboxes.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ExecutionGateTests {
    @Test func unknownToolIsAFailedResultNotACrash() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let result = await project.execute(ToolCall(tool: "fs.delete", arguments: ["path": "a"], correlationId: "corr-u"))
        #expect(result.status == .failed)
        #expect(result.reason == .unknownTool)
        let failed = try #require(fixture.events(.toolFailed).first)
        #expect(failed.payload.json["reason"] == "unknown_tool")
        #expect(failed.correlationId == "corr-u")
        #expect(fixture.events(.toolStarted).isEmpty)
        // No sandbox ran: no limit fields.
        #expect(failed.payload.json["limits_fired"] == nil)
        await fixture.engine.shutdown()
    }

    @Test func schemaErrorsNameTheArgumentPath() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let result = await project.execute(ToolCall(tool: "fs.read", arguments: ["path": "a", "limit": "all"]))
        #expect(result.reason == .invalidArguments)
        #expect(result.message == "args.limit: expected integer, got string")
        #expect(fixture.recorder.events(named: .policyAllowed).isEmpty, "the policy is not asked about a malformed call")
        await fixture.engine.shutdown()
    }

    @Test func policyDenialStopsTheCallBeforeAnyWorkerAndCarriesTheIds() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let result = await project.execute(
            ToolCall(tool: "fs.read", arguments: ["path": "../../etc/passwd"], correlationId: "corr-d"))
        #expect(result.reason == .policyDenied)
        #expect(result.decision?.reasonCodes == [.sandboxViolation])
        let violation = try #require(fixture.events(EventKind.sandboxViolation).first)
        #expect(violation.correlationId == "corr-d")
        #expect(violation.payload.json["correlation_id"] == "corr-d")
        #expect(fixture.events(EventKind.policyDenied).count == 1)
        #expect(fixture.events(.toolFailed).first?.payload.json["reason_codes"] == ["sandbox_violation"])
        #expect(fixture.events(.toolStarted).isEmpty)
        await fixture.engine.shutdown()
    }

    @Test func sensitivePathIsDeniedEvenInsideTheRoot() async throws {
        let fixture = RuntimeFixture()
        fixture.directory.write(".env", "TOKEN=x")
        let project = try await fixture.start()
        let result = await project.execute(ToolCall(tool: "fs.read", arguments: ["path": ".env"]))
        #expect(result.decision?.reasonCodes == [.sensitivePathDenied])
        #expect(fixture.events(EventKind.sensitivePathDenied).count == 1)
        await fixture.engine.shutdown()
    }

    @Test func projectConcurrencyZeroRefusesEveryCall() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["tool_max_concurrency": 0])
        let result = await project.execute(ToolCall(tool: "fs.list", arguments: ["path": "."]))
        #expect(result.reason == .maxConcurrencyReached)
        #expect(fixture.events(.toolFailed).first?.payload.json["reason"] == "max_concurrency_reached")
        await fixture.engine.shutdown()
    }

    @Test func writeThenReadThenListThenSearchRoundTripsThroughTheSandbox() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let content = "alpha\nbeta $(reboot) 'quoted'\ngamma\n"
        // The parent does not exist yet: it is created.
        let written = await project.execute(
            ToolCall(tool: "fs.write", arguments: ["path": "notes/a b.txt", "content": .string(content)]))
        #expect(written.status == .completed, "\(written)")
        #expect(fixture.directory.read("notes/a b.txt") == content)

        let read = await project.execute(ToolCall(tool: "fs.read", arguments: ["path": "notes/a b.txt"]))
        #expect(read.output?["content"] == .string(content))
        let slice = await project.execute(
            ToolCall(tool: "fs.read", arguments: ["path": "notes/a b.txt", "offset": 6, "limit": 4]))
        #expect(slice.output?["content"] == "beta")

        let list = await project.execute(ToolCall(tool: "fs.list", arguments: ["path": "notes"]))
        #expect(list.output?["entries"] == [["name": "a b.txt", "type": "file", "size": .int(Int64(content.utf8.count))]])

        let search = await project.execute(ToolCall(tool: "fs.search", arguments: ["pattern": "^gam"]))
        #expect(search.output?["matches"] == [["path": "notes/a b.txt", "line": 3, "text": "gamma"]])
        let none = await project.execute(ToolCall(tool: "fs.search", arguments: ["pattern": "zeta"]))
        #expect(none.status == .completed)
        #expect(none.output?["matches"] == [])

        let missing = await project.execute(ToolCall(tool: "fs.read", arguments: ["path": "nope.txt"]))
        #expect(missing.reason == .notFound)
        #expect(missing.message == "nope.txt: no such file or directory")
        await fixture.engine.shutdown()
    }

    @Test func allowedEnvironmentVariableReachesTheTool() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["tool_env_allowlist": ["JCS_GREETING", "APP_*"]])
        let result = await project.execute(
            ToolCall(
                tool: "shell.run",
                arguments: [
                    "script": #"printf '%s %s' "$JCS_GREETING" "$APP_MODE""#,
                    "env": ["JCS_GREETING": "hello", "APP_MODE": "test"],
                ]))
        #expect(result.output?["stdout"] == "hello test", "\(result)")
        await fixture.engine.shutdown()
    }

    @Test func environmentVariableOutsideTheAllowlistIsDenied() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["tool_env_allowlist": ["APP_*"]])
        let result = await project.execute(
            ToolCall(tool: "shell.run", arguments: ["argv": ["/usr/bin/env"], "env": ["AWS_SECRET_ACCESS_KEY": "x"]]))
        #expect(result.decision?.reasonCodes == [.envDenied])
        #expect(fixture.events(EventKind.envDenied).first?.payload.json["variable"] == "AWS_SECRET_ACCESS_KEY")
        await fixture.engine.shutdown()
    }

    @Test func nonZeroExitIsTheProgramsAnswerAndMissingProgramIsExecFailed() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let exit = await project.execute(ToolCall(tool: "shell.run", arguments: ["script": "echo oops >&2; exit 3"]))
        #expect(exit.status == .completed)
        #expect(exit.output?["exit_code"] == 3)
        #expect(exit.output?["stderr"] == "oops\n")
        let missing = await project.execute(ToolCall(tool: "shell.run", arguments: ["argv": ["/usr/bin/no-such-tool"]]))
        #expect(missing.reason == .execFailed)
        await fixture.engine.shutdown()
    }

    @Test func outputAndArtifactCapsCutTheOutputAndSaySo() async throws {
        let fixture = RuntimeFixture()
        let big = try await fixture.start(["tool_max_output_bytes": 1000], id: "big")
        let tooMuch = await big.execute(ToolCall(tool: "shell.run", arguments: ["script": "head -c 5000 /dev/zero | tr '\\0' y"]))
        #expect(tooMuch.status == .completed, "\(tooMuch.message ?? "")")
        #expect(tooMuch.output?["stdout_truncated"] == true)
        #expect(JSONWriter.bytes(tooMuch.output ?? .null).count <= 1000)
        #expect(tooMuch.output?["notice"]?.stringValue?.contains("tool_max_output_bytes is 1000") == true)
        let artifact = try await fixture.start(["tool_max_artifact_bytes": 100], id: "artifact")
        let large = await artifact.execute(
            ToolCall(tool: "shell.run", arguments: ["script": "head -c 500 /dev/zero | tr '\\0' x"]))
        #expect(large.status == .completed)
        #expect(large.output?["stdout"]?.stringValue?.utf8.count ?? 1000 <= 100)
        #expect(large.output?["stdout_truncated"] == true && large.output?["exit_code"] == 0)
        // An output with nothing to cut is still refused.
        #expect(OutputTruncation.fit(["entries": [["name": .string(String(repeating: "n", count: 200))]]],
            caps: OutputCaps(maxOutputBytes: 10_000, maxArtifactBytes: 100)) == nil)
        await fixture.engine.shutdown()
    }

    @Test func sensitiveArtifactIsFlaggedAndReported() async throws {
        let fixture = RuntimeFixture()
        fixture.directory.write("notes.txt", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n")
        let project = try await fixture.start()
        let result = await project.execute(ToolCall(tool: "fs.read", arguments: ["path": "notes.txt"], correlationId: "corr-s"))
        #expect(result.status == .completed)
        #expect(result.isSensitive)
        let event = try #require(fixture.events(.sensitiveArtifactDetected).first)
        #expect(event.correlationId == "corr-s")
        #expect(event.payload.json["findings"] == [["kind": "private_key", "path": "output.content"]])
        #expect(fixture.events(.toolCompleted).first?.payload.json["sensitive"] == true)
        await fixture.engine.shutdown()
    }

    @Test func kernelNetworkDenialBecomesASecurityEventWithTheCallsIds() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        // Host and port are positional parameters: nothing in the arguments looks like a network
        // target, so the policy allows it and the kernel has the last word.
        let result = await project.execute(
            ToolCall(
                tool: "shell.run",
                arguments: ["argv": ["/usr/bin/bash", "-c", #"exec 3<>"/dev/tcp/$1/$2""#, "bash", "10.20.30.40", "8080"]],
                correlationId: "corr-net"))
        #expect(result.status == .completed, "\(result)")
        #expect(result.output?["exit_code"] != 0)
        #expect(result.violations.map(\.kind) == ["network_denied"])
        let event = try #require(fixture.events(EventKind.networkDenied).first)
        #expect(event.correlationId == "corr-net")
        #expect(event.projectId == "p1")
        #expect(event.payload.json["source"] == "kernel")
        #expect(event.payload.json["reason"] == "network_denied")
        #expect(event.payload.json["address"] == "10.20.30.40")
        #expect(event.payload.json["port"] == 8080)
        #expect(event.payload.json["call_id"] == .string(result.callId))
        await fixture.engine.shutdown()
    }

    @Test(.tags(.reliability)) func timeoutKillsTheWholeProcessTree() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start(["tool_timeout_ms": 400])
        let marker = "31337.4711"
        let result = await project.execute(
            ToolCall(tool: "shell.run", arguments: ["script": .string("sleep \(marker) & (sleep \(marker) &) ; sleep \(marker)")]))
        #expect(result.status == .timeout)
        #expect(result.reason == .timeout)
        #expect(hostProcesses(containing: marker).isEmpty)
        let event = try #require(fixture.events(.toolTimeout).first)
        #expect(event.payload.json["timeout_ms"] == 400)
        // The limit is data in the ending event, for consumers that count limits.
        #expect(event.payload.json["limit_fired"] == "timeout")
        #expect(event.payload.json["limits_fired"]?.arrayValue?.contains("timeout") == true)
        await fixture.engine.shutdown()
    }

    @Test(.tags(.reliability)) func memoryLimitThatEndsTheToolIsInTheFailedEvent() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        // Over the default profile's 512 MiB: the memory cgroup kills it, and the worker finds
        // that only once the tool ended, so the ending event is where the limit must show.
        let result = await project.execute(
            ToolCall(tool: "shell.run", arguments: ["argv": ["python3", "-c", "x=bytearray(1<<30)"]]))
        #expect(result.reason == .limitExceeded, "\(result)")
        let event = try #require(fixture.events(.toolFailed).first)
        #expect(event.payload.json["reason"] == "limit_exceeded")
        #expect(event.payload.json["limit_fired"] == "memory")
        #expect(event.payload.json["limits_fired"] == ["memory"])
        // A call that completed had no limit fire: an empty list, no `limit_fired`.
        _ = await project.execute(ToolCall(tool: "shell.run", arguments: ["script": "true"]))
        let completed = try #require(fixture.events(.toolCompleted).first)
        #expect(completed.payload.json["limits_fired"] == [])
        #expect(completed.payload.json["limit_fired"] == nil)
        await fixture.engine.shutdown()
    }

    @Test(.tags(.reliability)) func perCallTimeoutShorterThanTheProjectsApplies() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let result = await project.execute(
            ToolCall(tool: "shell.run", arguments: ["script": "sleep 31337.4712", "timeout_ms": 300]))
        #expect(result.status == .timeout)
        #expect(fixture.events(.toolTimeout).first?.payload.json["timeout_ms"] == 300)
        #expect(hostProcesses(containing: "31337.4712").isEmpty)
        await fixture.engine.shutdown()
    }

    @Test(.tags(.reliability)) func repeatedTimeoutsOfOneToolRaiseOneAlert() async throws {
        let clock = ManualClock()
        let fixture = RuntimeFixture(clock: clock)
        let project = try await fixture.start([
            "tool_timeout_ms": 200, "tool_timeout_alert_threshold": 2, "tool_timeout_alert_window_ms": 60_000,
        ])
        let call = { ToolCall(tool: "shell.run", arguments: ["script": "sleep 30"]) }
        _ = await project.execute(call())
        clock.advance(byMs: 60_000)
        _ = await project.execute(call())
        #expect(fixture.events(.repeatedTimeoutFailures).isEmpty, "the first timeout has left the window")
        clock.advance(byMs: 59_999)
        _ = await project.execute(call())
        let alert = try #require(fixture.events(.repeatedTimeoutFailures).first)
        #expect(alert.payload.json["tool"] == "shell.run")
        #expect(alert.payload.json["count"] == 2)
        #expect(fixture.events(.toolTimeout).count == 3)
        await fixture.engine.shutdown()
    }

    @Test func assetToolsAnswerEmptyWithoutAWorker() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        let list = await project.execute(ToolCall(tool: "asset.list"))
        #expect(list.output == ["assets": []])
        let get = await project.execute(ToolCall(tool: "asset.get", arguments: ["kind": "skill", "name": "x"]))
        #expect(get.output == ["asset": nil])
        await fixture.engine.shutdown()
    }

    @Test(.tags(.reliability)) func workerThatDiesIsAFailedResult() async throws {
        let fixture = RuntimeFixture(workerExecutable: "/bin/false")
        let project = try await fixture.start()
        let result = await project.execute(ToolCall(tool: "fs.list", arguments: ["path": "."]))
        #expect(result.status == .failed)
        #expect(result.reason == .workerCrashed)
        await fixture.engine.shutdown()
    }
}
