import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Real files changed under a running project, observed through its snapshots and events.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .tags(.reliability))
struct AssetReloadTests {
    private let options: JSONValue = ["watcher_debounce_ms": 50]

    private func reloads(_ fixture: RuntimeFixture) -> [RuntimeEvent] { fixture.events(.projectAssetsReloaded) }

    @Test func addEditDeleteAndRenameAreEachSeenByTheWatcher() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        let project = try await fixture.start(options)
        #expect(project.assets.snapshot.generation == 1)
        #expect(tree.isDirectory(".jido/state"), "the data directory is created at start")

        tree.write(".jido/commands/hello.md", commandFile("hello", description: "first"))
        #expect(await eventually { project.catalog.tool(named: "command.run.hello") != nil })
        let added = try #require(reloads(fixture).last)
        #expect(added.payload.json["counts"]?["command"] == 1)
        #expect(added.payload.json["error_count"] == 0)
        #expect(added.payload.json["trigger"] == "watcher")
        #expect(added.payload.json["changed_paths"]?.arrayValue?.contains(".jido/commands/hello.md") == true)

        tree.write(".jido/commands/hello.md", commandFile("hello", description: "second"))
        #expect(await eventually { project.catalog.tool(named: "command.run.hello")?.description == "second" })

        tree.move(".jido/commands/hello.md", ".jido/commands/deep/renamed.md")
        #expect(await eventually { project.assets.snapshot.commands.first?.path == ".jido/commands/deep/renamed.md" })

        tree.remove(".jido/commands/deep/renamed.md")
        #expect(await eventually { project.catalog.tool(named: "command.run.hello") == nil })
        let generations = reloads(fixture).compactMap { $0.payload.json["generation"]?.intValue }
        #expect(generations == Array(2..<(2 + generations.count)), "generations grow by one per snapshot")
        await fixture.engine.shutdown()
    }

    @Test func anAtomicSaveReplacesTheAsset() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(".jido/skills/style.md", skillFile("style", description: "old"))
        let project = try await fixture.start(options)
        #expect(project.assets.get(kind: "skill", name: "style")?["description"] == "old")
        tree.atomicSave(".jido/skills/style.md", skillFile("style", description: "new"))
        #expect(await eventually { project.assets.get(kind: "skill", name: "style")?["description"] == "new" })
        #expect(project.assets.snapshot.issues.isEmpty, "the temporary file is never loaded")
        await fixture.engine.shutdown()
    }

    @Test func invalidYAMLInvalidUTF8AndADuplicateDegradeButKeepTheRest() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(".jido/commands/ok.md", commandFile("ok"))
        let project = try await fixture.start(options)
        tree.write(".jido/commands/broken.md", "---\nname: broken\ndescription: : :\n  - x\n---\n")
        tree.write(".jido/skills/bytes.md", bytes: Array("---\nname: b\n".utf8) + [0xFF, 0xFE] + Array("\n---\n".utf8))
        tree.write(".jido/commands/again.md", commandFile("ok"))
        #expect(await eventually { project.assets.snapshot.issues.count == 4 })
        let codes = project.assets.snapshot.issues.map(\.code)
        #expect(codes.filter { $0 == .duplicateName }.count == 2)
        #expect(codes.contains(.invalidYAML) && codes.contains(.invalidUTF8))
        #expect(project.assets.snapshot.issues.first { $0.code == .invalidUTF8 }?.line == 3)
        #expect(reloads(fixture).last?.payload.json["error_count"] == 4)
        // The duplicate took `ok` down; calling it says why instead of "unknown tool".
        let call = await project.execute(ToolCall(tool: "command.run.ok"))
        #expect(call.reason == .invalidDefinition)
        #expect(call.message?.contains("also used by") == true)
        tree.remove(".jido/commands/again.md")
        #expect(await eventually { project.catalog.tool(named: "command.run.ok") != nil })
        await fixture.engine.shutdown()
    }

    @Test func aHundredWritesInOneSecondGiveFewReloadsAndTheFinalState() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        let project = try await fixture.start(["watcher_debounce_ms": 100])
        let start = Timestamp.nowMs()
        // One burst: ten versions of each of ten files.
        for index in 0..<100 {
            tree.write(".jido/skills/s\(index % 10).md", skillFile("s\(index % 10)", description: "v\(index)"))
        }
        // On a loaded machine the burst itself can outlast the debounce's longest wait (1 s), and a
        // stall of the writer past the 100 ms quiet period releases a batch: allow a few more
        // batches per second of burst, never one per write.
        let burstMs = Timestamp.nowMs() - start
        #expect(
            await eventually {
                project.assets.snapshot.skills.map(\.description).sorted() == (90..<100).map { "v\($0)" }
            })
        let count = reloads(fixture).count
        let bound = 6 + Int(burstMs / 1000) * 4
        #expect(count >= 1 && count <= bound, "\(count) reloads for 100 writes in \(burstMs) ms")
        await fixture.engine.shutdown()
    }

    @Test func writesToTheDataDirectoryDoNotReload() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        let project = try await fixture.start(options)
        tree.write(".jido/state/journal.md", "x")
        tree.write(".jido/skills/marker.md", skillFile("marker"))
        #expect(await eventually { project.assets.get(kind: "skill", name: "marker") != nil })
        let paths = reloads(fixture).flatMap { $0.payload.json["changed_paths"]?.arrayValue ?? [] }
        #expect(!paths.contains(.string("\(AssetLoader.directory)/state/journal.md")))
        await fixture.engine.shutdown()
    }

    @Test func strictLoadingFailsStartAndKeepsThePreviousSnapshotOnABadReload() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(".jido/skills/bad.md", "---\nname: [\n---\n")
        do {
            _ = try await fixture.start(["strict_asset_loading": true])
            Issue.record("a strict project started with an invalid asset")
        } catch let error as ProjectError {
            #expect(error.code == "invalid_assets")
            guard case .invalidAssets(let issues) = error else { throw error }
            #expect(issues.map(\.path) == [".jido/skills/bad.md"])
        }
        #expect(await fixture.engine.listProjects().isEmpty)

        tree.write(".jido/skills/bad.md", skillFile("good"))
        let project = try await fixture.start(["strict_asset_loading": true, "watcher_debounce_ms": 50])
        tree.write(".jido/skills/bad.md", "---\nname: [\n---\n")
        #expect(await eventually { !fixture.events(.projectWatcherReloadFailed).isEmpty })
        let failed = try #require(fixture.events(.projectWatcherReloadFailed).first)
        #expect(failed.payload.json["changed_paths"] == [".jido/skills/bad.md"])
        #expect(failed.payload.json["error"]?.stringValue?.contains("generation 1 kept") == true)
        #expect(project.assets.snapshot.generation == 1)
        #expect(project.assets.get(kind: "skill", name: "good") != nil, "the previous snapshot stays")

        let forced = try await fixture.engine.reloadAssets("p1")
        #expect(forced.outcome == .rejected)
        #expect(forced.issues.first?.code == .invalidYAML)
        await fixture.engine.shutdown()
    }

    @Test func lenientLoadingStartsDegradedAndAForcedReloadReturnsItsResult() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(".jido/skills/bad.md", "---\nname: [\n---\n")
        tree.write(".jido/skills/good.md", skillFile("good"))
        let project = try await fixture.start(["watcher": false])
        #expect(project.assets.snapshot.issues.count == 1)
        #expect(project.assets.list(kind: nil) == [["kind": "skill", "name": "good", "description": "A skill."]])
        tree.remove(".jido/skills/bad.md")
        let result = try await project.reloadAssets()
        #expect(result.outcome == .applied)
        #expect(result.generation == 2)
        #expect(result.issues.isEmpty)
        #expect(reloads(fixture).last?.payload.json["trigger"] == "manual")
        let diagnostics = await project.diagnostics
        #expect(diagnostics["assets"]?["generation"] == 2)
        #expect(diagnostics["assets"]?["watching"] == false)
        await fixture.engine.shutdown()
    }

    @Test func assetToolsReturnTheRealAssets() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        tree.write(".jido/skills/review.md", skillFile("review", description: "How to review"))
        tree.write(".jido/commands/build.md", commandFile("build", description: "Build it"))
        let project = try await fixture.start(["watcher": false])
        let list = await project.execute(ToolCall(tool: "asset.list", arguments: ["kind": "command"]))
        #expect(list.output?["assets"] == [["kind": "command", "name": "build", "description": "Build it"]])
        let search = await project.execute(ToolCall(tool: "asset.search", arguments: ["query": "REVIEW"]))
        #expect(search.output?["assets"]?.arrayValue?.count == 1)
        let get = await project.execute(ToolCall(tool: "asset.get", arguments: ["kind": "skill", "name": "review"]))
        #expect(get.output?["asset"]?["body"] == "Body of review.\n")
        await fixture.engine.shutdown()
    }
}
