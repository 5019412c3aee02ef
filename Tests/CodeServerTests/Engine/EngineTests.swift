#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@testable import CodeServer

@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct EngineTests {
    @Test func unknownOptionIsRefusedNamingTheKeyBeforeAnythingStarts() async throws {
        let fixture = RuntimeFixture()
        do {
            _ = try await fixture.start(["tool_timeout_mss": 10, "tool_max_concurrency": -1])
            Issue.record("the options were accepted")
        } catch let error as ProjectError {
            #expect(error.code == "invalid_runtime_opt")
            guard case .invalidOptions(let options) = error else { throw error }
            #expect(options.errors.map { $0.key }.sorted() == ["tool_max_concurrency", "tool_timeout_mss"])
        }
        #expect(await fixture.engine.listProjects().isEmpty)
        #expect(fixture.recorder.events.isEmpty)
    }

    @Test func unknownSandboxProfileIsAnInvalidOption() async throws {
        let fixture = RuntimeFixture()
        await #expect(throws: ProjectError.self) { try await fixture.start(["sandbox_profile": "nonexistent"]) }
        do {
            _ = try await fixture.start(["sandbox_profile": "nonexistent"])
        } catch let error as ProjectError {
            #expect(error.code == "invalid_runtime_opt")
            #expect(error.description.contains("sandbox_profile"))
        }
    }

    @Test func missingRootAndFileRootAreRefused() async throws {
        let fixture = RuntimeFixture()
        await #expect(throws: ProjectError.invalidRoot(path: "/nonexistent/jcs", reason: "No such file or directory")) {
            try await fixture.engine.startProject(root: "/nonexistent/jcs")
        }
        fixture.directory.write("file", "")
        await #expect(throws: ProjectError.invalidRoot(path: fixture.directory.file("file"), reason: "not a directory")) {
            try await fixture.engine.startProject(root: fixture.directory.file("file"))
        }
    }

    @Test func rootIsResolvedToItsRealPath() async throws {
        let fixture = RuntimeFixture()
        system2(["/bin/mkdir", fixture.directory.file("real")])
        symlink(fixture.directory.file("real"), fixture.directory.file("link"))
        let project = try await fixture.engine.startProject(root: fixture.directory.file("link"), id: "p1")
        #expect(project.root == fixture.directory.file("real"))
        #expect(fixture.events(.projectStarted).first?.payload.json["root"] == .string(fixture.directory.file("real")))
        await fixture.engine.shutdown()
    }

    @Test func projectsAreListedStoppedAndTheirIdsAreUnique() async throws {
        let fixture = RuntimeFixture()
        _ = try await fixture.start(id: "b")
        _ = try await fixture.start(id: "a")
        await #expect(throws: ProjectError.duplicateProject(id: "a")) { try await fixture.start(id: "a") }
        #expect(await fixture.engine.listProjects().map(\.id) == ["a", "b"])
        let generated = try await fixture.engine.startProject(root: fixture.directory.path)
        #expect(generated.id.hasPrefix("proj-"))
        try await fixture.engine.stopProject("a")
        await #expect(throws: ProjectError.unknownProject(id: "a")) { try await fixture.engine.stopProject("a") }
        #expect(await fixture.engine.listProjects().map(\.id) == ["b", generated.id])
        #expect(fixture.events(.projectStopped).map(\.projectId) == ["a"])
        await fixture.engine.shutdown()
        #expect(await fixture.engine.listProjects().isEmpty)
    }

    @Test func stoppedProjectRefusesConversationsAndCalls() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start()
        try await fixture.engine.stopProject("p1")
        await #expect(throws: ProjectError.projectStopped(id: "p1")) { try await project.startConversation() }
        let result = await project.execute(ToolCall(tool: "fs.list", arguments: ["path": "."]))
        #expect(result.reason == .projectStopped)
    }

    @Test func effectiveProfileFollowsTheOptions() async throws {
        let fixture = RuntimeFixture()
        let project = try await fixture.start([
            "tool_timeout_ms": 1234, "tool_max_output_bytes": 99, "tool_env_allowlist": ["APP_*"],
        ])
        #expect(project.profile.limits.timeoutMs == 1234)
        #expect(project.profile.limits.maxOutputBytes == 100)
        #expect(project.profile.environment.allows("APP_MODE"))
        #expect(project.profile.network.mode == .none)
        let diagnostics = await project.diagnostics
        #expect(diagnostics["network_allowlist_enforcement"] == "kernel: empty network namespace")
        await fixture.engine.shutdown()
    }
}
