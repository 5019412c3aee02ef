import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// The examples of `docs/assets.md`, taken from the document itself (every fenced block tagged
/// `file=<path>`), so the documentation and what loads cannot drift apart.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct DocumentedExamplesTests {
    static func examples() throws -> [(path: String, text: String)] {
        let document = try #require(readTextFile(Probe.repositoryRoot + "/docs/assets.md"))
        var out: [(path: String, text: String)] = []
        var current: (path: String, lines: [Substring])?
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if var open = current {
                if line == "```" {
                    out.append((open.path, open.lines.joined(separator: "\n") + "\n"))
                    current = nil
                } else {
                    open.lines.append(line)
                    current = open
                }
            } else if line.hasPrefix("```markdown file=") {
                current = (String(line.dropFirst("```markdown file=".count)), [])
            }
        }
        return out
    }

    @Test func everyKindHasAnExampleAndAllOfThemLoadCleanly() async throws {
        let examples = try Self.examples()
        let kinds = Set(examples.map { $0.path.split(separator: "/")[1] })
        #expect(kinds == ["skills", "commands", "workflows", "skill_graph"])
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        for example in examples { tree.write(example.path, example.text) }
        let project = try await fixture.start(["watcher": false])
        let snapshot = project.assets.snapshot
        #expect(snapshot.issues.isEmpty, "\(snapshot.issues)")
        #expect(snapshot.counts == [.skill: 1, .command: 2, .workflow: 1, .skillGraph: 2])
        #expect(snapshot.graphJSON["edges"]?.arrayValue?.count == 2)
        await fixture.engine.shutdown()
    }

    @Test func theDocumentedWorkflowRunsTheDocumentedCommands() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        for example in try Self.examples() { tree.write(example.path, example.text) }
        tree.write("src/a.txt", "needle one\nhay\nneedle two\n")
        let project = try await fixture.start(["watcher": false])
        let found = await project.execute(
            ToolCall(tool: "workflow.run.search-and-count", arguments: ["pattern": "needle", "path": "src"]))
        #expect(found.status == .completed, "\(found)")
        #expect(found.output?["steps"]?[1]?["output"]?["stdout"] == "2 matches\n")
        let missing = await project.execute(
            ToolCall(tool: "workflow.run.search-and-count", arguments: ["pattern": "absent"]))
        #expect(missing.reason == .workflowStepFailed)
        #expect(missing.output?["failed_step"] == "search")
        let limited = await project.execute(
            ToolCall(tool: "command.run.grep", arguments: ["pattern": "needle", "path": "src", "max": 1]))
        #expect(limited.output?["stdout"] == "src/a.txt:1:needle one\n", "\(limited)")
        await fixture.engine.shutdown()
    }
}
