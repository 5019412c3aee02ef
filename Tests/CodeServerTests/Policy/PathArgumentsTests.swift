import Sandbox
import Testing

@testable import CodeServer

struct PathArgumentsTests {
    private func paths(_ arguments: JSONValue, hints: ArgumentHints = ArgumentHints()) -> [String] {
        PathArguments(hints: hints).find(in: arguments)
    }

    @Test func usualKeyNamesHoldPaths() {
        #expect(paths(["path": "a.txt", "limit": 10]) == ["a.txt"])
        #expect(Set(paths(["cwd": "sub", "destination": "/tmp/x", "query": "/etc/passwd"])) == ["sub", "/tmp/x"])
    }

    @Test func keysEndingInAPathWordHoldPaths() {
        #expect(
            Set(paths(["file_path": "a", "outputDir": "b", "source-file": "c", "pathology": "d"])) == ["a", "b", "c"])
    }

    @Test func pathInsideAListIsFound() {
        #expect(paths(["files": ["ok.txt", "../../etc/passwd"]]) == ["ok.txt", "../../etc/passwd"])
    }

    @Test func pathInANestedObjectIsFound() {
        #expect(paths(["ops": [["op": "copy", "src": "a", "dst": "/etc/cron.d/x"]]]).contains("/etc/cron.d/x"))
    }

    @Test func jsonEncodedPathIsFound() {
        #expect(paths(["options": "{\"path\": \"../secret\"}"]) == ["../secret"])
        #expect(paths(["paths": "[\"a\", \"../b\"]"]) == ["a", "../b"])
        #expect(
            paths(["x": "\"{\\\"file\\\": \\\"/etc/shadow\\\"}\""]).isEmpty, "a JSON string scalar is not unwrapped")
    }

    @Test func doublyEncodedPathIsFound() {
        let inner = JSONWriter.text(["file": "/etc/shadow"])
        #expect(paths(["payload": .string(JSONWriter.text(["wrapped": .string(inner)]))]) == ["/etc/shadow"])
    }

    @Test func keyValueTextIsFound() {
        #expect(paths(["argv": ["tool", "--file=../../etc/passwd", "--verbose"]]) == ["../../etc/passwd"])
        #expect(paths(["script": "run path=/etc/shadow mode=fast dst=\"/tmp/a b\""]) == ["/etc/shadow", "/tmp/a b"])
    }

    @Test func schemaMarkedKeysHoldPaths() {
        #expect(paths(["in": "/etc"], hints: ArgumentHints(pathKeys: ["in"])) == ["/etc"])
        #expect(paths(["in": "/etc"]).isEmpty)
    }

    @Test func dataKeysAreNotSearched() {
        let arguments: JSONValue = ["path": "notes.md", "content": "see path=/etc/passwd"]
        #expect(paths(arguments, hints: ArgumentHints(dataKeys: ["content"])) == ["notes.md"])
        #expect(paths(arguments) == ["/etc/passwd", "notes.md"], "keys are walked in order, so findings are stable")
    }
}
