import Testing

@testable import CodeServer

struct PathResolverTests {
    @Test func plainPathInsideTheRootIsInside() {
        let tree = ProjectTree()
        tree.makeDirectory("project/src")
        tree.write("project/src/main.swift")
        let resolution = PathResolver(root: tree.root).resolve("src/main.swift")
        #expect(resolution.outcome == .inside)
        #expect(resolution.resolved == tree.root + "/src/main.swift")
        #expect(resolution.hops.isEmpty)
    }

    @Test func fileAboutToBeCreatedIsJudgedByWhereItWouldBe() {
        let tree = ProjectTree()
        let resolver = PathResolver(root: tree.root)
        #expect(resolver.resolve("new/dir/file.txt").outcome == .inside)
        #expect(resolver.resolve("new/../../escape").outcome == .outside(.dotDot(from: tree.root)))
    }

    @Test func dotDotOutOfTheRootIsOutside() {
        let tree = ProjectTree()
        let resolution = PathResolver(root: tree.root).resolve("../outside/secret")
        #expect(resolution.outcome == .outside(.dotDot(from: tree.root)))
        #expect(resolution.resolved == tree.outside + "/secret")
    }

    @Test func absolutePathsAreJudgedByWhereTheyLead() {
        let tree = ProjectTree()
        let resolver = PathResolver(root: tree.root)
        #expect(resolver.resolve("/etc/passwd").outcome == .outside(.absolutePath))
        #expect(resolver.resolve(tree.root + "/a.txt").outcome == .inside)
        #expect(resolver.resolve(tree.root + "/../outside").outcome == .outside(.dotDot(from: tree.root)))
    }

    @Test func absolutePathThroughALinkIntoTheRootIsInside() {
        let tree = ProjectTree()
        tree.link("outside/alias", to: tree.root)
        let resolution = PathResolver(root: tree.root).resolve(tree.outside + "/alias/a.txt")
        #expect(resolution.outcome == .inside)
        #expect(resolution.resolved == tree.root + "/a.txt")
    }

    @Test func chainOfLinksThatLeavesTheRootIsOutside() {
        let tree = ProjectTree()
        tree.write("outside/secret")
        tree.link("project/a", to: "b")
        tree.link("project/b", to: "c")
        tree.link("project/c", to: tree.outside + "/secret")
        let resolution = PathResolver(root: tree.root).resolve("a")
        #expect(resolution.hops.map(\.link) == [tree.root + "/a", tree.root + "/b", tree.root + "/c"])
        #expect(
            resolution.outcome
                == .outside(.symlink(SymlinkHop(link: tree.root + "/c", target: tree.outside + "/secret"))))
        #expect(resolution.resolved == tree.outside + "/secret")
    }

    @Test func relativeLinkClimbingOutIsBlamedOnTheLink() {
        let tree = ProjectTree()
        tree.makeDirectory("project/docs")
        tree.link("project/docs/up", to: "../../outside")
        let resolution = PathResolver(root: tree.root).resolve("docs/up/secret")
        #expect(
            resolution.outcome == .outside(.symlink(SymlinkHop(link: tree.root + "/docs/up", target: "../../outside"))))
    }

    @Test func walkThatLeavesAndReentersTheRootIsOutside() {
        let tree = ProjectTree()
        tree.write("project/file")
        tree.link("project/roundabout", to: "../project/file")
        let resolution = PathResolver(root: tree.root).resolve("roundabout")
        #expect(resolution.resolved == tree.root + "/file")
        #expect(!resolution.isInside, "RESOLVE_BENEATH refuses a walk that leaves the root, even if it returns")
    }

    @Test func dotDotAfterALinkAppliesToTheLinkTarget() {
        // project/sub/deep/up -> ../.. (the root). String normalization reads
        // "sub/deep/up/../secret" as "sub/deep/secret", inside; the kernel goes to root/.. = outside.
        let tree = ProjectTree()
        tree.makeDirectory("project/sub")
        tree.makeDirectory("project/sub/deep")
        tree.link("project/sub/deep/up", to: "../..")
        let path = "sub/deep/up/../secret"
        #expect(PathText.lexicallyNormalized(PathText.components(path)) == ["sub", "deep", "secret"])
        let resolution = PathResolver(root: tree.root).resolve(path)
        #expect(resolution.dotDotAfterSymlink)
        #expect(resolution.resolved == tree.base + "/secret")
        #expect(resolution.outcome == .outside(.dotDot(from: tree.root)))
    }

    @Test func dotDotAfterALinkThatStaysInsideIsFlaggedButInside() {
        let tree = ProjectTree()
        tree.makeDirectory("project/sub")
        tree.makeDirectory("project/sub/deep")
        tree.link("project/l", to: "sub/deep")
        let resolution = PathResolver(root: tree.root).resolve("l/../x")
        #expect(resolution.resolved == tree.root + "/sub/x")
        #expect(resolution.dotDotAfterSymlink)
        #expect(resolution.isInside)
    }

    @Test func linkSwappedBetweenCallsIsSeenByTheNextCall() {
        let tree = ProjectTree()
        tree.write("project/readme")
        tree.write("outside/secret")
        tree.link("project/doc", to: "readme")
        let resolver = PathResolver(root: tree.root)
        #expect(resolver.resolve("doc").isInside)
        tree.relink("project/doc", to: tree.outside + "/secret")
        #expect(!resolver.resolve("doc").isInside)
    }

    @Test func linkLoopIsUnresolvable() {
        let tree = ProjectTree()
        tree.link("project/a", to: "b")
        tree.link("project/b", to: "a")
        #expect(PathResolver(root: tree.root).resolve("a/x").outcome == .unresolvable(.tooManySymlinks))
    }

    @Test func pathWithNULIsUnresolvable() {
        let tree = ProjectTree()
        #expect(PathResolver(root: tree.root).resolve("a\0b").outcome == .unresolvable(.containsNUL))
    }

    @Test func relativePathOfTheRootIsDot() {
        let tree = ProjectTree()
        let resolver = PathResolver(root: tree.root)
        #expect(resolver.relativePath(resolver.resolve("")) == ".")
        #expect(resolver.relativePath(resolver.resolve("a/./b/")) == "a/b")
        #expect(resolver.relativePath(resolver.resolve("../x")) == nil)
    }
}
