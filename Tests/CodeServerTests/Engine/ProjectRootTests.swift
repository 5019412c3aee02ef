#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Finding 1, the coordinator's side: a root is a handle opened once, host directories and nested
/// roots are refused, and a root swapped for a link later is not followed by host-side readers.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ProjectRootTests {
    private func isInvalidRoot(_ error: ProjectError, mentioning text: String) -> Bool {
        if case .invalidRoot(_, let reason) = error { return reason.contains(text) }
        return false
    }

    @Test(arguments: ["/", "/etc", "/usr", "/usr/share", "/proc", "/proc/self", "/sys/kernel", "/dev", "/tmp", "/var"])
    func hostDirectoriesAreRefused(_ path: String) async throws {
        #expect(throws: ProjectError.self) { try ProjectRoot.open(path) }
        let fixture = RuntimeFixture()
        do {
            _ = try await fixture.engine.startProject(root: path)
            Issue.record("\(path) was accepted as a project root")
        } catch {
            #expect(error.code == "invalid_root")
        }
        #expect(await fixture.engine.listProjects().isEmpty)
    }

    @Test func theDaemonsOwnDirectoryIsRefusedInsideAndAround() async throws {
        let base = TempDirectory(prefix: "jcs-root")
        mkdir(base.file("data"), 0o700)
        mkdir(base.file("data/inner"), 0o700)
        let engine = Engine(
            configuration: EngineConfiguration(
                workerExecutable: BuiltProducts.path("jcs-worker"), warmWorkersPerProject: 1,
                reservedDirectories: [base.file("data")]),
            sink: RuntimeEventRecorder())
        for root in [base.path, base.file("data"), base.file("data/inner")] {
            do {
                _ = try await engine.startProject(root: root)
                Issue.record("\(root) was accepted")
            } catch {
                #expect(isInvalidRoot(error, mentioning: "daemon's own directory"), "\(error)")
            }
        }
    }

    @Test func nestedRootsAreRefusedBothWaysAndTheSameRootIsShared() async throws {
        let fixture = RuntimeFixture()
        mkdir(fixture.directory.file("inner"), 0o755)
        _ = try await fixture.engine.startProject(root: fixture.directory.path, options: ["watcher": false], id: "outer")
        do {
            _ = try await fixture.engine.startProject(root: fixture.directory.file("inner"), id: "inner")
            Issue.record("a root inside a running project's root was accepted")
        } catch {
            #expect(isInvalidRoot(error, mentioning: "running project 'outer'"), "\(error)")
        }
        // The very same directory is one tenant's files: a second project on it is allowed.
        _ = try await fixture.engine.startProject(root: fixture.directory.path, options: ["watcher": false], id: "twin")
        try await fixture.engine.stopProject("outer")
        try await fixture.engine.stopProject("twin")
        _ = try await fixture.engine.startProject(root: fixture.directory.file("inner"), options: ["watcher": false], id: "inner")
        do {
            _ = try await fixture.engine.startProject(root: fixture.directory.path, id: "outer2")
            Issue.record("a root containing a running project's root was accepted")
        } catch {
            #expect(isInvalidRoot(error, mentioning: "running project 'inner'"), "\(error)")
        }
        await fixture.engine.shutdown()
    }

    @Test func aRootSwappedForALinkIsNotFollowedByTheCoordinator() async throws {
        let parent = TempDirectory(prefix: "jcs-root")
        let secret = TempDirectory(prefix: "jcs-secret")
        chmod(secret.path, 0o700)
        let secretTree = AssetTree(directory: secret)
        secretTree.write(".jido/skills/secret.md", skillFile("stolen", description: "host secret"))
        AssetTree(directory: parent).write("project/.jido/skills/real.md", skillFile("real"))
        let fixture = RuntimeFixture()
        let project = try await fixture.engine.startProject(root: parent.file("project"), options: ["watcher": false], id: "p")
        let identity = project.projectRoot.identity
        #expect(project.projectRoot.pathStillNamesRoot)

        // The swap another tenant (or anyone with the parent) can make: the root moved away, a
        // link to a host directory in its place.
        #expect(rename(parent.file("project"), parent.file("moved")) == 0)
        #expect(symlink(secret.path, parent.file("project")) == 0)
        let reload = try await project.reloadAssets()
        #expect(reload.counts[.skill] == 1)
        #expect(project.assets.get(kind: "skill", name: "real") != nil, "read from the held root")
        #expect(project.assets.get(kind: "skill", name: "stolen") == nil, "never through the link")
        #expect(!project.projectRoot.pathStillNamesRoot)
        #expect(await project.diagnostics["root_handle"]?["path_names_root"] == false)
        var info = stat()
        #expect(stat(parent.file("moved"), &info) == 0)
        #expect(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) == identity)
        await fixture.engine.shutdown()
    }

    @Test func aRegisteredRootSwappedWhileTheDaemonWasDownIsNotRestored() async throws {
        let parent = TempDirectory(prefix: "jcs-root")
        let secret = TempDirectory(prefix: "jcs-secret")
        mkdir(parent.file("project"), 0o755)
        let registry = InMemoryProjectRegistry()
        let configuration = EngineConfiguration(
            workerExecutable: BuiltProducts.path("jcs-worker"), warmWorkersPerProject: 1, registry: registry)
        let first = Engine(configuration: configuration, sink: RuntimeEventRecorder())
        _ = try await first.startProject(root: parent.file("project"), options: ["watcher": false], id: "p")
        await first.shutdown()
        // While no coordinator runs, the root becomes a link to a host directory.
        #expect(rename(parent.file("project"), parent.file("moved")) == 0)
        #expect(symlink(secret.path, parent.file("project")) == 0)
        let second = Engine(configuration: configuration, sink: RuntimeEventRecorder())
        let restored = try await second.restoreProjects()
        #expect(restored.count == 1)
        let error = try #require(restored.first?.error)
        #expect(isInvalidRoot(error, mentioning: "now a link to '\(secret.path)'"), "\(error)")
        // Not running, yet not forgotten: listed as failed with the reason, and nothing to call.
        let listed = await second.listProjects()
        #expect(listed.map(\.id) == ["p"])
        #expect(listed.first?.json["status"] == "failed")
        #expect(listed.first?.failure?.contains("now a link to") == true)
        await #expect(throws: ProjectError.self) { try await second.project("p") }
    }

    @Test(arguments: [".jido", ".jido/state"])
    func aLinkedLayoutDirectoryFailsTheStartAndNothingIsCreatedOutside(_ linked: String) async throws {
        let fixture = RuntimeFixture()
        let outside = TempDirectory(prefix: "jcs-outside")
        if linked != ".jido" { mkdir(fixture.directory.file(".jido"), 0o755) }
        symlink(outside.path, fixture.directory.file(linked))
        do {
            _ = try await fixture.start()
            Issue.record("a project with \(linked) linked out started")
        } catch {
            #expect((error as? ProjectError)?.code == "invalid_layout", "\(error)")
        }
        var info = stat()
        #expect(lstat(outside.file("state"), &info) != 0, "nothing was created through the link")
        #expect(await fixture.engine.listProjects().isEmpty)
    }
}
