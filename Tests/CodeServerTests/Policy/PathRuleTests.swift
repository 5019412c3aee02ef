import Glibc
import Sandbox
import Testing

@testable import CodeServer

/// A `BeneathChecker` that points `link` at `newTarget` after the resolver has run and before
/// the real check, as a tool racing the policy would.
private struct SwappingChecker: BeneathChecker {
    let link: String
    let newTarget: String

    func check(_ relativePath: String, beneath root: String) -> BeneathVerdict {
        precondition(unlink(link) == 0 && symlink(newTarget, link) == 0, "swap \(link): \(errno)")
        return RealpathBeneathChecker().check(relativePath, beneath: root)
    }
}

struct PathRuleTests {
    private func rule(
        _ tree: ProjectTree, outsideRoot: [OutsideRootEntry] = [],
        checker: any BeneathChecker = RealpathBeneathChecker()
    ) -> PathRule {
        PathRule(
            resolver: PathResolver(root: tree.root), beneathChecker: checker,
            outsideRoot: OutsideRootAllowlist(entries: outsideRoot),
            sensitive: SensitivePaths(
                denylist: RuntimeOptions.defaultSensitivePathDenylist.map(Glob.init), allowlist: []))
    }

    @Test func pathInsideHasNoFindings() {
        let tree = ProjectTree()
        tree.write("project/a.txt")
        #expect(rule(tree).check(path: "a.txt").isEmpty)
    }

    @Test func pathOutsideIsASandboxViolationWithEvidence() {
        let tree = ProjectTree()
        tree.link("project/out", to: tree.outside)
        let findings = rule(tree).check(path: "out/secret")
        #expect(findings.map(\.code) == [.sandboxViolation])
        #expect(findings[0].evidence["escape"] == "symlink")
        #expect(findings[0].evidence["resolved"] == .string(tree.outside + "/secret"))
        #expect(findings[0].evidence["symlink_hops"]?[0]?["link"] == .string(tree.root + "/out"))
    }

    @Test func linkSwappedAfterTheResolverIsCaughtByTheBeneathCheck() {
        let tree = ProjectTree()
        tree.write("project/readme")
        tree.link("project/doc", to: "readme")
        let swapping = rule(tree, checker: SwappingChecker(link: tree.root + "/doc", newTarget: tree.outside))
        let findings = swapping.check(path: "doc")
        #expect(findings.map(\.code) == [.sandboxViolation])
        #expect(findings[0].evidence["escape"] == "beneath_check")
    }

    @Test func outsideRootEntryTurnsTheViolationIntoARecordedException() {
        let tree = ProjectTree()
        tree.write("outside/toolchain")
        let entry = OutsideRootEntry(match: .path(tree.outside), reasonCode: "shared_toolchain")
        let findings = rule(tree, outsideRoot: [entry]).check(path: tree.outside + "/toolchain")
        #expect(findings.map(\.code) == [.sandboxExceptionUsed])
        #expect(findings[0].evidence["reason_code"] == "shared_toolchain")
    }

    @Test func outsideRootEntryIsComparedWithTheResolvedPath() {
        let tree = ProjectTree()
        tree.makeDirectory("outside/allowed")
        tree.link("outside/allowed/escape", to: "/etc")
        let entry = OutsideRootEntry(match: .path(tree.outside + "/allowed"), reasonCode: "allowed_dir")
        let findings = rule(tree, outsideRoot: [entry]).check(path: tree.outside + "/allowed/escape/passwd")
        #expect(findings.map(\.code) == [.sandboxViolation])
    }

    @Test func sensitivePathIsDeniedByItsWrittenName() {
        let tree = ProjectTree()
        tree.makeDirectory("project/config")
        tree.write("project/.env")
        let findings = rule(tree).check(path: "./config/../.env")
        #expect(findings.map(\.code) == [.sensitivePathDenied])
        #expect(findings[0].evidence["pattern"] == ".env")
    }

    @Test func sensitivePathIsDeniedThroughAnInnocentLookingLink() {
        let tree = ProjectTree()
        tree.makeDirectory("project/.ssh")
        tree.write("project/.ssh/id_rsa")
        tree.link("project/notes.txt", to: ".ssh/id_rsa")
        #expect(rule(tree).check(path: "notes.txt").map(\.code) == [.sensitivePathDenied])
    }

    @Test func sensitivePathOutsideTheRootIsDeniedEvenWhereAnExceptionAllowsTheDirectory() {
        let tree = ProjectTree()
        tree.makeDirectory("outside/.aws")
        tree.write("outside/.aws/credentials")
        let entry = OutsideRootEntry(match: .path(tree.outside), reasonCode: "home")
        let findings = rule(tree, outsideRoot: [entry]).check(path: tree.outside + "/.aws/credentials")
        #expect(findings.map(\.code) == [.sandboxExceptionUsed, .sensitivePathDenied])
    }

    @Test func rootsOwnLocationNeverMakesAPathSensitive() {
        let tree = ProjectTree()
        tree.makeDirectory("project/.ssh")
        let nested = PathRule(
            resolver: PathResolver(root: tree.root + "/.ssh"), beneathChecker: RealpathBeneathChecker(),
            outsideRoot: OutsideRootAllowlist(entries: []),
            sensitive: SensitivePaths(denylist: [Glob(".ssh/*")], allowlist: []))
        #expect(nested.check(path: "notes.md").isEmpty)
    }
}
