import Sandbox
import Testing

@testable import CodeServer

struct SensitiveScannerTests {
    private let scanner = SensitiveScanner()

    @Test func privateKeyInANestedArtifactIsFoundWithItsPath() {
        let output: JSONValue = ["files": [["content": "x\n-----BEGIN OPENSSH PRIVATE KEY-----\nabc"]]]
        #expect(scanner.scan(output) == [SensitiveFinding(kind: "private_key", path: "output.files[0].content")])
    }

    @Test func cloudAndForgeTokensAreFound() {
        let output: JSONValue = [
            "a": "key AKIAIOSFODNN7EXAMPLE here", "b": .string("ghp_" + String(repeating: "a", count: 36)),
            "c": "password = hunter2hunter2",
        ]
        #expect(scanner.scan(output).map(\.kind) == ["aws_access_key_id", "github_token", "password_assignment"])
    }

    @Test func ordinaryTextIsNotFlagged() {
        #expect(scanner.scan(["stdout": "password: (none)\nBEGIN PUBLIC KEY\nAKIA"]).isEmpty)
    }

    @Test func findingCarriesNoSecretText() {
        let finding = SensitiveFinding(kind: "private_key", path: "output.content")
        #expect(finding.json == ["kind": "private_key", "path": "output.content"])
    }
}
