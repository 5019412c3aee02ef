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

    @Test func theWalksVerdictsAgreeWithThePolicysMatch() {
        // The walk asks a multi-component pattern part by part instead of joining the path, and
        // only the runs that end at each new entry; for every path it reaches it must deny what
        // `match` (the policy) denies, below a denied directory the allowlist names too.
        let paths = SensitivePaths(
            denylist: ["a/*", "?b/c?", "x*/y", "d/**/k", "**/z", "*.pem", "q", "m/n/o"].map(Glob.init),
            allowlist: ["a/keep", "ok/**", "*/free.pem"].map(Glob.init))
        let names = ["a", "b", "ab", "c", "cc", "d", "k", "x", "xy", "y", "z", "q", "m", "n", "o", "ok", "keep", "free.pem", "s.pem", "é"]
        var generator = SystemRandomNumberGenerator()
        var compared = 0
        var belowAllowed = 0
        walks: for _ in 0..<20_000 {
            let components = (0..<Int.random(in: 1...5, using: &generator)).map { _ in names.randomElement(using: &generator)! }
            // As the walk goes: a denied directory is masked and not entered.
            var below = false
            for depth in 1..<components.count {
                switch paths.walkVerdict(Array(components.prefix(depth)), belowAllowed: below) {
                case .denied: continue walks
                case .allowed: below = true
                case .clear: break
                }
            }
            compared += 1
            if below { belowAllowed += 1 }
            let joined = components.joined(separator: "/")
            let verdict = paths.walkVerdict(components, belowAllowed: below)
            var denied = false
            if case .denied = verdict { denied = true }
            // Which pattern is named may differ when two match (the walk takes the first
            // pattern, `match` the longest run); denied or not is what the walk acts on.
            #expect(denied == (paths.match(joined) != nil), "path \(joined): walk \(verdict)")
        }
        #expect(compared > 1_000 && belowAllowed > 50, "too few paths compared: \(compared), \(belowAllowed) below an allowed denial")
    }
}
