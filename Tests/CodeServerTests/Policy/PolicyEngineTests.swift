import Sandbox
import Testing

@testable import CodeServer

struct PolicyEngineTests {
    private static let at: Int64 = 1_700_000_000_123

    private func engine(_ tree: ProjectTree, _ options: JSONValue = [:]) throws -> PolicyEngine {
        PolicyEngine(
            root: tree.root, options: try RuntimeOptions.parse(options), beneathChecker: RealpathBeneathChecker())
    }

    private func call(
        _ tool: String, _ arguments: JSONValue = [:], hints: ArgumentHints = ArgumentHints(), env: [String] = [],
        gateway: Gateway? = nil
    ) -> PolicyCall {
        PolicyCall(
            projectId: "p1", conversationId: "c1", correlationId: "corr-1", tool: tool, arguments: arguments,
            hints: hints, environmentNames: env, gateway: gateway)
    }

    @Test func allowedCallIsRecordedAndEmitsPolicyAllowed() throws {
        let tree = ProjectTree()
        tree.write("project/a.txt")
        let decision = try engine(tree).evaluate(call("fs.read", ["path": "a.txt"]), atMs: Self.at)
        #expect(decision.outcome == .allowed)
        #expect(decision.reasonCodes == [.allowed])
        #expect(decision.reason == "allowed")
        #expect(decision.events.map(\.kind) == [.policyAllowed])
        #expect(
            decision.verdict.json == [
                "project_id": "p1", "conversation_id": "c1", "correlation_id": "corr-1", "tool": "fs.read",
                "decision": "allowed", "reason": "allowed", "reason_codes": ["allowed"],
                "at": "2023-11-14T22:13:20.123Z",
            ])
        #expect(decision.events[0] == decision.verdict)
    }

    @Test func everyReasonIsReportedInOneDecision() throws {
        let tree = ProjectTree()
        let options: JSONValue = ["deny_tools": ["shell.*"], "protocol_allowlist": ["mcp"]]
        let arguments: JSONValue = [
            "argv": ["cat", "--file=../outside/x"], "cwd": ".ssh/keys", "script": "curl https://evil.example/",
        ]
        let decision = try engine(tree, options).evaluate(
            call("shell.run", arguments, env: ["AWS_SECRET_ACCESS_KEY"], gateway: .http), atMs: Self.at)
        #expect(decision.outcome == .denied)
        #expect(
            decision.reasonCodes == [
                .toolDenied, .protocolDenied, .envDenied, .sandboxViolation, .sensitivePathDenied, .networkDenied,
            ])
        #expect(decision.reasonCode == .toolDenied)
        #expect(
            decision.events.map(\.kind) == [
                .policyDenied, .protocolDenied, .envDenied, .sandboxViolation, .sensitivePathDenied, .networkDenied,
            ])
        #expect(decision.reason.hasPrefix("denied: tool 'shell.run' matches deny_tools entry 'shell.*'; "))
    }

    @Test func securityEventsCarryTheCallsIdsAndReason() throws {
        let tree = ProjectTree()
        let decision = try engine(tree).evaluate(call("http.get", ["url": "https://example.com/"]), atMs: Self.at)
        let event = try #require(decision.events.last)
        #expect(event.kind == .networkDenied)
        #expect(event.json["reason"] == "network_denied")
        #expect(event.json["project_id"] == "p1")
        #expect(event.json["conversation_id"] == "c1")
        #expect(event.json["correlation_id"] == "corr-1")
        #expect(event.json["tool"] == "http.get")
        #expect(event.json["host"] == "example.com")
        #expect(event.json["at"] == "2023-11-14T22:13:20.123Z")
    }

    @Test func aClosedGatewayIsASecurityEventNamingTheProtocol() throws {
        let tree = ProjectTree()
        let policy = try engine(tree, ["protocol_allowlist": ["cli"]])
        let decision = policy.evaluate(call("fs.read", ["path": "a"], gateway: .mcp), atMs: Self.at)
        #expect(decision.reasonCodes == [.protocolDenied])
        #expect(decision.events.map(\.kind) == [.policyDenied, .protocolDenied])
        let event = try #require(decision.events.last)
        #expect(event.json["protocol"] == "mcp")
        #expect(event.json["reason"] == "protocol_denied")
        #expect(policy.evaluate(call("fs.read", ["path": "a"], gateway: .cli), atMs: Self.at).isAllowed)
    }

    @Test func denyToolsBeatsAllowTools() throws {
        let tree = ProjectTree()
        let policy = try engine(tree, ["allow_tools": ["fs.*"], "deny_tools": ["fs.write"]])
        #expect(policy.evaluate(call("fs.write", ["path": "a"]), atMs: Self.at).reasonCodes == [.toolDenied])
        #expect(policy.evaluate(call("fs.read", ["path": "a"]), atMs: Self.at).isAllowed)
        #expect(policy.evaluate(call("shell.run"), atMs: Self.at).reasonCodes == [.toolNotAllowed])
    }

    @Test func outsideRootExceptionIsAllowedAndEmitsItsReasonCode() throws {
        let tree = ProjectTree()
        tree.write("outside/lib.a")
        let options: JSONValue = [
            "outside_root_allowlist": [["path": .string(tree.outside), "reason_code": "vendored_libs"]]
        ]
        let decision = try engine(tree, options).evaluate(
            call("fs.read", ["path": .string(tree.outside + "/lib.a")]), atMs: Self.at)
        #expect(decision.outcome == .allowed)
        #expect(decision.reasonCodes == [.allowed, .sandboxExceptionUsed])
        #expect(decision.events.map(\.kind) == [.policyAllowed, .sandboxExceptionUsed])
        #expect(decision.events[1].json["reason_code"] == "vendored_libs")
        #expect(decision.reason.hasPrefix("allowed; path '\(tree.outside)/lib.a' is outside the root"))
    }

    @Test func exceptionIsNotReportedAsUsedWhenTheCallIsDenied() throws {
        let tree = ProjectTree()
        let options: JSONValue = [
            "outside_root_allowlist": [["path": .string(tree.outside), "reason_code": "vendored_libs"]],
            "deny_tools": ["fs.read"],
        ]
        let decision = try engine(tree, options).evaluate(
            call("fs.read", ["path": .string(tree.outside + "/x")]), atMs: Self.at)
        #expect(decision.reasonCodes == [.toolDenied])
        #expect(decision.events.map(\.kind) == [.policyDenied])
    }

    @Test func sensitiveAllowlistOverridesTheDefaults() throws {
        let tree = ProjectTree()
        let strict = try engine(tree)
        let relaxed = try engine(tree, ["sensitive_path_allowlist": [".env.example"]])
        let read = call("fs.read", ["path": "app/.env.example"])
        #expect(strict.evaluate(read, atMs: Self.at).reasonCodes == [.sensitivePathDenied])
        #expect(relaxed.evaluate(read, atMs: Self.at).isAllowed)
        #expect(
            relaxed.evaluate(call("fs.read", ["path": "app/.env"]), atMs: Self.at).reasonCodes == [.sensitivePathDenied]
        )
    }

    @Test func allowPolicyChecksEndpointsAndSchemes() throws {
        let tree = ProjectTree()
        let policy = try engine(
            tree,
            [
                "network_egress_policy": "allow",
                "network_allowlist": ["*.example.com", "10.0.0.0/8", "[fd00::1]:8443"],
            ])
        func codes(_ url: String) -> [ReasonCode] {
            policy.evaluate(call("http.get", ["url": .string(url)]), atMs: Self.at).reasonCodes
        }
        #expect(codes("https://api.example.com/") == [.allowed])
        #expect(codes("https://evilexample.com/") == [.networkEndpointDenied])
        #expect(codes("http://10.2.3.4/") == [.allowed])
        #expect(codes("https://[fd00::1]:8443/") == [.allowed])
        #expect(codes("https://[fd00::1]:443/") == [.networkEndpointDenied])
        #expect(codes("ftp://api.example.com/") == [.networkProtocolDenied])
    }

    @Test func dataKeysAreNeitherPathsNorTargets() throws {
        let tree = ProjectTree()
        let hints = ArgumentHints(dataKeys: ["content"])
        let write = call(
            "fs.write", ["path": "README.md", "content": "See https://example.com and path=/etc/passwd"], hints: hints)
        #expect(try engine(tree).evaluate(write, atMs: Self.at).isAllowed)
    }

    @Test func reasonSpellsOutTheFirstFindingsAndCountsTheRest() throws {
        let tree = ProjectTree()
        let names = (1...8).map { "SECRET_\($0)" }
        let decision = try engine(tree).evaluate(call("shell.run", env: names), atMs: Self.at)
        #expect(decision.reason.hasSuffix("; and 3 more"))
        #expect(decision.events.count == 9)
    }
}
