import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Commands and workflows run through the gate in real sandboxes.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct CommandExecutionTests {
    /// Values that would inject arguments or shell text if anything spliced them.
    static let hostile = ["; rm -rf /workspace", "$(id)", "`id`", "a b\tc", "--output=out.txt", "'\"quoted\"'", "-rf"]

    @Test func runParametersArriveAsOneLiteralArgvElementEach() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write("keep.txt", "kept")
        // printf prints each argument on its own line between markers: the argv as the program saw it.
        tree.write(
            ".jido/commands/show.md",
            "---\nname: show\ndescription: d\nparams: {value: {type: string, required: true}}\n"
                + #"run: ["/usr/bin/printf", "<%s>\n", "{{value}}", "--flag={{value}}"]"# + "\n---\n")
        let project = try await fixture.start(["watcher": false])
        for value in Self.hostile {
            let result = await project.execute(ToolCall(tool: "command.run.show", arguments: ["value": .string(value)]))
            #expect(result.status == .completed, "\(result)")
            #expect(result.output?["stdout"] == .string("<\(value)>\n<--flag=\(value)>\n"), "\(value)")
        }
        #expect(fixture.directory.read("keep.txt") == "kept")
        await fixture.engine.shutdown()
    }

    @Test func scriptParametersAreEnvironmentValuesNeverScriptText() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write("keep.txt", "kept")
        tree.write(
            ".jido/commands/echo.md",
            "---\nname: echo\ndescription: d\nparams:\n  value: {type: string, required: true}\n  count: {type: integer, default: 3}\n"
                + "script: |\n  printf '<%s><%s>' \"$JCS_PARAM_VALUE\" \"$JCS_PARAM_COUNT\"\n---\n")
        let project = try await fixture.start(["watcher": false])
        for value in Self.hostile {
            let result = await project.execute(ToolCall(tool: "command.run.echo", arguments: ["value": .string(value)]))
            #expect(result.output?["stdout"] == .string("<\(value)><3>"), "\(result)")
        }
        #expect(fixture.directory.read("keep.txt") == "kept")
        await fixture.engine.shutdown()
    }

    @Test func aPathOutsideTheRootInAParameterIsDeniedBeforeAnySandbox() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(
            ".jido/commands/show.md",
            "---\nname: show\ndescription: d\nparams: {value: {type: string}}\n" + #"run: ["/usr/bin/printf", "%s", "{{value}}"]"#
                + "\n---\n")
        let project = try await fixture.start(["watcher": false])
        let result = await project.execute(ToolCall(tool: "command.run.show", arguments: ["value": "--output=/etc/x"]))
        #expect(result.reason == .policyDenied)
        #expect(result.decision?.reasonCodes == [.sandboxViolation])
        #expect(fixture.events(.toolStarted).isEmpty)
        await fixture.engine.shutdown()
    }

    @Test func argumentsOutsideTheSchemaAreRefused() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(
            ".jido/commands/show.md",
            "---\nname: show\ndescription: d\nparams: {n: {type: integer, required: true}}\n"
                + #"run: ["/usr/bin/printf", "%s", "{{n}}"]"# + "\n---\n")
        let project = try await fixture.start(["watcher": false])
        let result = await project.execute(ToolCall(tool: "command.run.show", arguments: ["n": "1; id", "x": 1]))
        #expect(result.reason == .invalidArguments)
        #expect(result.message == "args.n: expected integer, got string; args.x: is not an allowed argument")
        let missing = await project.execute(ToolCall(tool: "command.run.show"))
        #expect(missing.message == "args.n: is required")
        await fixture.engine.shutdown()
    }

    @Test func commandEnvNamesPassOnlyWhenThePolicyAllowsThem() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(
            ".jido/commands/mode.md",
            "---\nname: mode\ndescription: d\nenv: [APP_MODE]\nscript: printf '%s' \"$APP_MODE\"\n---\n")
        let allowed = try await fixture.start(["watcher": false, "tool_env_allowlist": ["APP_*"]], id: "allowed")
        let ok = await allowed.execute(ToolCall(tool: "command.run.mode", arguments: ["env": ["APP_MODE": "test"]]))
        #expect(ok.output?["stdout"] == "test", "\(ok)")
        let other = await allowed.execute(ToolCall(tool: "command.run.mode", arguments: ["env": ["HOME": "/x"]]))
        #expect(other.reason == .invalidArguments, "only the names the command lists")
        let denied = try await fixture.start(["watcher": false], id: "denied")
        let refused = await denied.execute(ToolCall(tool: "command.run.mode", arguments: ["env": ["APP_MODE": "test"]]))
        #expect(refused.decision?.reasonCodes == [.envDenied])
        await fixture.engine.shutdown()
    }

    @Test func aCommandsTimeoutAndProfileApply() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(".jido/commands/slow.md", "---\nname: slow\ndescription: d\nscript: sleep 5\ntimeout_ms: 300\n---\n")
        tree.write(".jido/commands/strict.md", "---\nname: strict\ndescription: d\nscript: echo ok\nprofile: strict\n---\n")
        let project = try await fixture.start(["watcher": false])
        let slow = await project.execute(ToolCall(tool: "command.run.slow"))
        #expect(slow.status == .timeout)
        #expect(slow.message == "the call ran longer than 300 ms")
        let strict = await project.execute(ToolCall(tool: "command.run.strict"))
        #expect(strict.output?["stdout"] == "ok\n", "\(strict)")
        await fixture.engine.shutdown()
    }
}
