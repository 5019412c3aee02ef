import Testing

@testable import CodeServer

struct EnvPolicyTests {
    @Test func namesOutsideTheAllowlistAreDeniedOneFindingEach() {
        let policy = EnvPolicy(allowlist: [EnvPattern("PATH")!, EnvPattern("LC_*")!])
        let findings = policy.check(names: ["PATH", "LC_ALL", "AWS_SECRET_ACCESS_KEY", "HOME", "HOME"])
        #expect(findings.map(\.code) == [.envDenied, .envDenied])
        #expect(findings.map { $0.evidence["variable"] } == ["AWS_SECRET_ACCESS_KEY", "HOME"])
    }

    @Test func emptyAllowlistDeniesEveryName() {
        #expect(EnvPolicy(allowlist: []).check(names: ["PATH"]).map(\.code) == [.envDenied])
        #expect(EnvPolicy(allowlist: []).check(names: []).isEmpty)
    }

    @Test func patternsAreNamesWithAnOptionalTrailingStar() {
        #expect(EnvPattern("LC_*") != nil)
        #expect(EnvPattern("_X1") != nil)
        #expect(EnvPattern("1X") == nil)
        #expect(EnvPattern("A*B") == nil)
        #expect(EnvPattern("") == nil)
        #expect(EnvPattern("LC_*")?.matches("LC_ALL") == true)
        #expect(EnvPattern("LC_*")?.matches("LANG") == false)
    }
}
