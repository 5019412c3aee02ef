import Testing

@testable import CodeServer

struct RealpathBeneathCheckerTests {
    @Test func pathInsideIsBeneath() {
        let tree = ProjectTree()
        tree.write("project/a")
        #expect(RealpathBeneathChecker().check("a", beneath: tree.root) == .beneath)
        #expect(RealpathBeneathChecker().check(".", beneath: tree.root) == .beneath)
    }

    @Test func linkOutIsAnEscape() {
        let tree = ProjectTree()
        tree.link("project/out", to: tree.outside)
        #expect(RealpathBeneathChecker().check("out", beneath: tree.root) == .escapes)
        #expect(RealpathBeneathChecker().check("out/not-yet", beneath: tree.root) == .escapes)
    }

    @Test func missingLeafIsJudgedByItsExistingAncestor() {
        let tree = ProjectTree()
        #expect(RealpathBeneathChecker().check("new/file", beneath: tree.root) == .beneath)
    }

    @Test func missingDirectoryFollowedByDotDotFailsClosed() {
        let tree = ProjectTree()
        #expect(RealpathBeneathChecker().check("missing/..", beneath: tree.root) != .beneath)
    }

    @Test func siblingSharingTheRootsPrefixIsAnEscape() {
        let tree = ProjectTree()
        tree.makeDirectory("project2")
        tree.link("project/twin", to: tree.base + "/project2")
        #expect(RealpathBeneathChecker().check("twin", beneath: tree.root) == .escapes)
    }
}
