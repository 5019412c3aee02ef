#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Finding 4: the catalog (and git's executable config) is not writable by the tools it governs.
/// Real calls through the real gate and worker; the host's files are checked afterwards.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ProtectedPathTests {
    private let attackerOptions: JSONValue = ["deny_tools": ["shell.run"], "watcher": false]

    private func write(_ project: Project, _ path: String, _ content: String, correlation: String) async -> ToolResult {
        await project.execute(
            ToolCall(tool: "fs.write", arguments: ["path": .string(path), "content": .string(content)], correlationId: correlation))
    }

    @Test func aToolCannotGiveItselfACommandThroughFsWrite() async throws {
        let fixture = RuntimeFixture()
        AssetTree(directory: fixture.directory).write("src/main.c", "int main(void) { return 0; }\n")
        mkdir(fixture.directory.file(".jido"), 0o755)
        mkdir(fixture.directory.file(".jido/commands"), 0o755)
        mkdir(fixture.directory.file(".git"), 0o755)
        mkdir(fixture.directory.file(".git/hooks"), 0o755)
        // A link that leads into the catalog, planted earlier: judged by where it resolves.
        symlink(".jido/commands", fixture.directory.file("cmds"))
        let project = try await fixture.start(attackerOptions)
        let shell = await project.execute(ToolCall(tool: "shell.run", arguments: ["argv": ["/bin/true"]]))
        #expect(shell.decision?.reasonCodes == [.toolDenied], "the attacker has no shell")

        let attempts = [
            ".jido/commands/x.md", "./.jido//commands/x.md", "cmds/x.md", "src/../.jido/commands/x.md",
            ".git/hooks/pre-commit", ".git/hooks/../config", ".envrc",
        ]
        for (index, path) in attempts.enumerated() {
            let result = await write(project, path, commandFile("x", run: #"["/bin/sh", "-c", "id"]"#), correlation: "c\(index)")
            #expect(result.reason == .policyDenied, "\(path)")
            #expect(result.decision?.reasonCodes == [.protectedPath], "\(path)")
        }
        let violations = fixture.events(EventKind.sandboxViolation)
        #expect(violations.count == attempts.count)
        #expect(violations.allSatisfy { $0.payload.json["reason"] == "protected_path" })
        #expect(violations.first?.payload.json["protected_path"] == ".jido")
        #expect(fixture.events(.toolStarted).filter { $0.payload.json["tool"] == "fs.write" }.isEmpty, "no worker ran")

        // The host afterwards: nothing written, and the catalog has no command.run.x.
        var info = stat()
        #expect(lstat(fixture.directory.file(".jido/commands/x.md"), &info) != 0)
        // A warm sandbox may hold an empty read-only placeholder there (Sandbox's ProtectedPaths): nothing else.
        #expect(lstat(fixture.directory.file(".git/config"), &info) != 0 || info.st_size == 0)
        #expect(lstat(fixture.directory.file(".git/hooks/pre-commit"), &info) != 0)
        let reload = try await project.reloadAssets()
        #expect(reload.counts[.command] ?? 0 == 0)
        #expect(project.catalog.tool(named: "command.run.x") == nil)
        // Writing elsewhere still works, and reading the catalog is not refused.
        let ordinary = await write(project, "notes.md", "fine", correlation: "ok")
        #expect(ordinary.status == .completed)
        let read = await project.execute(ToolCall(tool: "fs.read", arguments: ["path": ".jido/state"]))
        #expect(read.decision?.reasonCodes.contains(.protectedPath) != true)
        await fixture.engine.shutdown()
    }

    @Test func anExplicitExceptionLiftsOneEntryAndEveryUseIsRecorded() async throws {
        let fixture = RuntimeFixture()
        mkdir(fixture.directory.file(".jido"), 0o755)
        mkdir(fixture.directory.file(".jido/commands"), 0o755)
        let project = try await fixture.start([
            "deny_tools": ["shell.run"], "watcher": false,
            "protected_path_exceptions": [["path": ".jido", "reason_code": "asset_authoring"]],
        ])
        let result = await write(project, ".jido/commands/x.md", commandFile("x"), correlation: "lifted")
        #expect(result.status == .completed, "\(String(describing: result.message))")
        #expect(result.decision?.reasonCodes == [.allowed, .sandboxExceptionUsed])
        let used = try #require(fixture.events(EventKind.sandboxExceptionUsed).first)
        #expect(used.payload.json["reason_code"] == "asset_authoring")
        #expect(used.payload.json["protected_path"] == ".jido")
        #expect(used.correlationId == "lifted")
        #expect(fixture.directory.read(".jido/commands/x.md") == commandFile("x"))
        _ = try await project.reloadAssets()
        #expect(project.catalog.tool(named: "command.run.x") != nil)
        // Only the lifted entry: git's hooks stay protected.
        let hook = await write(project, ".git/hooks/post-checkout", "#!/bin/sh\nid\n", correlation: "hook")
        #expect(hook.decision?.reasonCodes == [.protectedPath])
        await fixture.engine.shutdown()
    }

    @Test func aLiftedEntryLeavesTheSandboxesReadOnlyListToo() throws {
        var options = RuntimeOptions()
        options.protectedPathExceptions = [ProtectedPathException(path: ".jido", reasonCode: "asset_authoring")]
        let kept = ProjectProfile.protectedPaths(ProtectedPaths.defaults, options: options)
        #expect(!kept.contains(".jido/"))
        #expect(kept.contains(".git/hooks/") && kept.contains(".git/config"))
        #expect(ProjectProfile.protectedPaths(ProtectedPaths.defaults, options: RuntimeOptions()) == ProtectedPaths.defaults)
    }

    @Test func anExceptionMustNameARelativePathAndAReason() async throws {
        let fixture = RuntimeFixture()
        await #expect(throws: ProjectError.self) {
            try await fixture.start(["protected_path_exceptions": [["path": "/etc", "reason_code": "x"]]])
        }
        await #expect(throws: ProjectError.self) {
            try await fixture.start(["protected_path_exceptions": [["path": ".jido"]]])
        }
        await #expect(throws: ProjectError.self) {
            try await fixture.start(["protected_path_exceptions": [["path": "../.jido", "reason_code": "x"]]])
        }
    }
}
