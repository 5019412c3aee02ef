import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Three projects with four conversations each, all running tool calls at once: every project
/// sees its own files only, and every call is accounted to its own project and conversation.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ProjectIsolationTests {
    @Test func threeProjectsTimesFourConversationsRunAtOnceIsolated() async throws {
        let fixture = RuntimeFixture()
        let roots = (0..<3).map { _ in TempDirectory(prefix: "jcs-iso") }
        var projects: [Project] = []
        for (index, root) in roots.enumerated() {
            projects.append(try await fixture.engine.startProject(root: root.path, id: "p\(index)"))
        }
        let conversations = try await withThrowingTaskGroup(of: Void.self) { group in
            for (p, project) in projects.enumerated() {
                for c in 0..<4 {
                    group.addTask {
                        let conversation = try await project.startConversation(id: "c\(c)")
                        let name = "p\(p)-c\(c).txt"
                        let write = try await conversation.send(
                            .toolRequest(
                                tool: "fs.write", arguments: ["path": .string(name), "content": .string("from \(name)")],
                                runMode: .sync))
                        guard case .completed(let written) = write, written.status == .completed else {
                            Issue.record("write in \(name): \(write)")
                            return
                        }
                        let read = try await conversation.send(
                            .toolRequest(tool: "fs.read", arguments: ["path": .string(name)], runMode: .sync))
                        guard case .completed(let result) = read else { return }
                        #expect(result.output?["content"] == .string("from \(name)"))
                    }
                }
            }
            try await group.waitForAll()
            return 12
        }
        #expect(conversations == 12)

        for (p, project) in projects.enumerated() {
            let listing = await project.execute(ToolCall(tool: "fs.list", arguments: ["path": "."]))
            let names = listing.output?["entries"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            // `.jido/` is the project's own (assets and state), created at start; the other
            // protected entries of the root are read-only placeholders inside a sandbox.
            let placeholders = [".devcontainer", ".envrc", ".git", ".gitmodules", ".idea", ".vscode"]
            #expect(names.filter { !placeholders.contains($0) } == [".jido"] + (0..<4).map { "p\(p)-c\($0).txt" })
            // Another project's file, by its absolute host path, is outside this root.
            let other = roots[(p + 1) % 3].file("p\((p + 1) % 3)-c0.txt")
            let escape = await project.execute(ToolCall(tool: "fs.read", arguments: ["path": .string(other)]))
            #expect(escape.decision?.reasonCodes == [.sandboxViolation])
        }
        let started = fixture.events(.toolStarted)
        #expect(started.count == 3 * 4 * 2 + 3)
        for p in 0..<3 {
            let ofProject = started.filter { $0.projectId == "p\(p)" && $0.conversationId != nil }
            #expect(Set(ofProject.compactMap(\.conversationId)) == ["c0", "c1", "c2", "c3"])
            #expect(ofProject.count == 8)
        }
        #expect(fixture.events(.toolFailed).filter { $0.payload.json["reason"] != "policy_denied" }.isEmpty)
        await fixture.engine.shutdown()
    }
}
