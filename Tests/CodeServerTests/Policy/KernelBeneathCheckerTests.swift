import Testing

@testable import CodeServer

/// The kernel's RESOLVE_BENEATH walk, on real files and links.
struct KernelBeneathCheckerTests {
    @Test func pathInsideIsBeneath() {
        let tree = ProjectTree()
        tree.write("project/a")
        #expect(KernelBeneathChecker().check("a", beneath: tree.root) == .beneath)
        #expect(KernelBeneathChecker().check("new/file", beneath: tree.root) == .beneath)
    }

    @Test func chainOfLinksLeavingTheRootEscapes() {
        let tree = ProjectTree()
        tree.link("project/one", to: "two")
        tree.link("project/two", to: "../outside")
        #expect(KernelBeneathChecker().check("one", beneath: tree.root) == .escapes)
        #expect(KernelBeneathChecker().check("one/secret", beneath: tree.root) == .escapes)
    }

    @Test func dotDotAfterALinkEscapes() {
        let tree = ProjectTree()
        tree.makeDirectory("project/sub")
        tree.link("project/down", to: "sub")
        #expect(KernelBeneathChecker().check("down/../..", beneath: tree.root) == .escapes)
    }

    @Test func absoluteLinksEscapeEvenWhenTheyLandInside() {
        // Inside the sandbox an absolute target resolves against the sandbox's root, not the
        // project's: the kernel check refuses it where a realpath comparison would not.
        let tree = ProjectTree()
        tree.write("project/a")
        tree.link("project/abs", to: tree.root + "/a")
        #expect(KernelBeneathChecker().check("abs", beneath: tree.root) == .escapes)
        #expect(RealpathBeneathChecker().check("abs", beneath: tree.root) == .beneath)
    }

    @Test func procMagicLinksAreRefused() {
        let tree = ProjectTree()
        tree.link("project/self", to: "/proc/self/root")
        #expect(KernelBeneathChecker().check("self/etc", beneath: tree.root) != .beneath)
    }
}
