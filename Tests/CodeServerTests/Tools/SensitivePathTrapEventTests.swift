import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Finding 8 end to end: `shell.run` meets the same sensitive-path denylist as `fs.*`, enforced by
/// the worker's traps and reported as the policy's security events, with the call's ids.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct SensitivePathTrapEventTests {
    @Test func shellReadOfADenylistedFileIsRefusedAndReported() async throws {
        let fixture = RuntimeFixture()
        fixture.directory.write(".env", "API_KEY=s3cret\n")
        let project = try await fixture.start()
        let result = await project.execute(
            ToolCall(tool: "shell.run", arguments: ["script": "cat .env; cat /etc/shadow"], correlationId: "corr-env"))
        #expect(result.status == .completed, "\(result)")
        #expect(!"\(result.output ?? [:])".contains("s3cret"))
        #expect(result.violations.map(\.kind) == ["sensitive_path_denied", "sandbox_violation"])
        let event = try #require(fixture.events(EventKind.sensitivePathDenied).first)
        #expect(event.correlationId == "corr-env")
        #expect(event.projectId == "p1")
        #expect(event.payload.json["source"] == "kernel")
        #expect(event.payload.json["path"] == "/workspace/.env")
        #expect(event.payload.json["call_id"] == .string(result.callId))
        let host = try #require(fixture.events(EventKind.sandboxViolation).first)
        #expect(host.payload.json["path"] == "/etc/shadow")
        #expect(host.correlationId == "corr-env")
        #expect(fixture.directory.read(".env") == "API_KEY=s3cret\n")
        await fixture.engine.shutdown()
    }

    @Test func theProjectsAllowlistReachesTheMasks() async throws {
        let fixture = RuntimeFixture()
        fixture.directory.write(".env", "visible\n")
        fixture.directory.write("key.pem", "hidden\n")
        let project = try await fixture.start(["sensitive_path_allowlist": [".env"]])
        let result = await project.execute(ToolCall(tool: "shell.run", arguments: ["script": "cat .env key.pem"]))
        #expect("\(result.output ?? [:])".contains("visible"))
        #expect(!"\(result.output ?? [:])".contains("hidden"))
        #expect(result.violations.compactMap(\.path) == ["/workspace/key.pem"])
        await fixture.engine.shutdown()
    }
}
