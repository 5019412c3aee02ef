import Sandbox
import Testing

@testable import CodeServer

struct FileToolInvocationTests {
    private let layout = SandboxLayout(root: "/srv/p", workspace: "/workspace")

    @Test func pathsMapIntoTheWorkspace() {
        #expect(layout.sandboxPath("a/b.txt") == "/workspace/a/b.txt")
        #expect(layout.sandboxPath("-rf") == "/workspace/-rf")
        #expect(layout.sandboxPath(".") == "/workspace")
        #expect(layout.sandboxPath("/srv/p/x") == "/workspace/x")
        #expect(layout.sandboxPath("/srv/p") == "/workspace")
        #expect(layout.sandboxPath("/srv/pq/x") == "/srv/pq/x")
        #expect(layout.projectPath("/workspace/a/b") == "a/b")
    }

    @Test func readPassesThePathAsOneOperandOutsideTheScriptText() throws {
        let invocation = try FileReadTool().invocation(
            arguments: ["path": "a; rm -rf /", "offset": 5, "limit": 10], layout: layout)
        #expect(invocation.argv == ["/bin/sh", "-c", FileReadTool.script, "sh", "/workspace/a; rm -rf /", "skip=5", "count=10"])
        // The script quotes every expansion of the path, and dd takes it as one `if=` word.
        #expect(FileReadTool.script.contains(#"exec /usr/bin/dd "if=$p""#))
    }

    @Test func writeDecodesBase64ContentAndRefusesBadBase64() throws {
        let invocation = try FileWriteTool().invocation(
            arguments: ["path": "f", "content": "AAEC/w==", "encoding": "base64"], layout: layout)
        #expect(invocation.argv.last == "AAEC/w==")
        #expect(throws: ToolFailure(.invalidArguments, "args.content: is not valid base64 (encoding is base64)")) {
            try FileWriteTool().invocation(arguments: ["path": "f", "content": "%%%", "encoding": "base64"], layout: self.layout)
        }
    }

    @Test func everyBuiltinParameterIsDescribed() {
        for tool in ToolCatalog.builtin.all {
            for (name, schema) in tool.inputSchema["properties"]?.objectValue ?? [:] {
                #expect(schema["description"]?.stringValue?.isEmpty == false, "\(tool.name).\(name)")
            }
        }
    }

    @Test func writeKeepsPathAndContentOutOfTheScriptText() throws {
        let invocation = try FileWriteTool().invocation(arguments: ["path": "$(reboot)", "content": "hi"], layout: layout)
        #expect(invocation.argv == ["/bin/sh", "-c", FileWriteTool.script, "sh", "/workspace/$(reboot)", "aGk="])
    }

    @Test func writeSplitsLargeContentIntoChunksUnderTheArgumentLimit() throws {
        let content = String(repeating: "x", count: 100_000)
        let invocation = try FileWriteTool().invocation(arguments: ["path": "f", "content": .string(content)], layout: layout)
        let chunks = invocation.argv.dropFirst(5)
        #expect(chunks.count == 3)
        #expect(chunks.allSatisfy { $0.utf8.count <= FileWriteTool.chunkCharacters })
        #expect(chunks.joined() == Base64.encode(Array(content.utf8)))
    }

    @Test func writeRefusesContentBeyondTheArgvBudget() {
        let content = String(repeating: "x", count: FileWriteTool.maximumContentBytes + 1)
        #expect(throws: ToolFailure.self) {
            try FileWriteTool().invocation(arguments: ["path": "f", "content": .string(content)], layout: layout)
        }
    }

    @Test func shellRunNeedsExactlyOneOfArgvAndScript() {
        #expect(throws: ToolFailure(.invalidArguments, "args: needs exactly one of argv, script")) {
            try ShellRunTool().invocation(arguments: ["argv": ["/bin/true"], "script": "true"], layout: layout)
        }
        #expect(throws: ToolFailure(.invalidArguments, "args: needs exactly one of argv, script")) {
            try ShellRunTool().invocation(arguments: [:], layout: layout)
        }
    }

    @Test func shellRunPassesEnvironmentSortedAndCwdInTheWorkspace() throws {
        let invocation = try ShellRunTool().invocation(
            arguments: ["argv": ["/bin/env"], "env": ["B": "2", "A": "1"], "cwd": "src", "timeout_ms": 50], layout: layout)
        #expect(invocation == SandboxInvocation(
            argv: ["/bin/env"], environment: [("A", "1"), ("B", "2")], cwd: "/workspace/src", timeoutMs: 50))
    }

    @Test func base64MatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE="]
        for (plain, encoded) in vectors { #expect(Base64.encode(Array(plain.utf8)) == encoded) }
    }

    @Test func everyBuiltinToolHasAnObjectSchema() {
        let names = ToolCatalog.builtin.all.map(\.name)
        #expect(names == [
            "asset.get", "asset.list", "asset.search", "fs.list", "fs.read", "fs.search", "fs.write", "shell.run",
        ])
        for tool in ToolCatalog.builtin.all { #expect(tool.inputSchema["type"] == "object", "\(tool.name)") }
    }
}
