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

    /// One sample per pattern, each in its own artifact: every pattern compiles and matches, and
    /// only its own kind fires.
    @Test func everyKindIsFoundOnItsOwn() {
        let samples: [(String, String)] = [
            ("private_key", "-----BEGIN RSA PRIVATE KEY-----"),
            ("aws_access_key_id", "id ASIAIOSFODNN7EXAMPLE"),
            ("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY: x"),
            ("github_token", "gho_" + String(repeating: "Z", count: 40)),
            ("slack_token", "xoxb-1234567890-abc"),
            ("password_assignment", "API_KEY='s3cr3t-v4lue'"),
        ]
        #expect(Set(samples.map(\.0)) == Set(SensitiveScanner.patterns.map(\.kind)))
        for (kind, text) in samples {
            #expect(scanner.scan(["stdout": .string(text)]).map(\.kind) == [kind], "\(kind)")
        }
    }

    @Test func ordinaryTextIsNotFlagged() {
        #expect(scanner.scan(["stdout": "password: (none)\nBEGIN PUBLIC KEY\nAKIA"]).isEmpty)
    }

    @Test func findingCarriesNoSecretText() {
        let finding = SensitiveFinding(kind: "private_key", path: "output.content")
        #expect(finding.json == ["kind": "private_key", "path": "output.content"])
    }
}
