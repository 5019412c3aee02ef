import Testing

@testable import CodeServer
import Sandbox

struct SensitivePathsTests {
    private let defaults = SensitivePaths(
        denylist: RuntimeOptions.defaultSensitivePathDenylist.map(Glob.init), allowlist: [])

    @Test(arguments: [
        ".env", ".env.local", "app/.env.production", "certs/server.pem", "tls/server.key", "deploy/id_rsa",
        "id_ed25519", "id_ecdsa", ".netrc", ".npmrc", ".pypirc", ".git-credentials", ".aws/credentials",
        "home/.aws/credentials", ".ssh/config", ".docker/config.json", ".kube/config",
    ])
    func defaultDenylistCoversCommonSecrets(path: String) {
        #expect(defaults.match(path) != nil)
    }

    @Test(arguments: ["src/main.swift", "env.txt", ".environment", "docs/keys.md", ".aws/config", "kube/config"])
    func ordinaryPathsAreNotSensitive(path: String) {
        #expect(defaults.match(path) == nil)
    }

    @Test func everythingUnderASensitiveDirectoryIsSensitive() {
        let match = defaults.match(".ssh/keys/old")
        #expect(match?.pattern == Glob(".ssh/*"))
        #expect(match?.subject == ".ssh/keys")
    }

    @Test func allowlistOverridesTheDenylist() {
        let paths = SensitivePaths(denylist: [Glob(".env"), Glob(".env.*")], allowlist: [Glob(".env.example")])
        #expect(paths.match("app/.env.example") == nil)
        #expect(paths.match("app/.env.local")?.pattern == Glob(".env.*"))
    }

    @Test func allowingADirectoryNameDoesNotOpenItsContents() {
        let paths = SensitivePaths(denylist: [Glob("*.pem")], allowlist: [Glob("fixtures")])
        #expect(paths.match("fixtures/test.pem") != nil)
        let opened = SensitivePaths(denylist: [Glob("*.pem")], allowlist: [Glob("fixtures/**")])
        #expect(opened.match("fixtures/certs/test.pem") == nil)
    }
}
