#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// What a tool can leave in `.jido/` to make the coordinator read elsewhere: none of it loads,
/// each is an asset error, and loading never hangs or crashes.
struct BeneathAssetLoadingTests {
    /// A host directory only root may read, holding a would-be skill.
    private func secretTree() -> TempDirectory {
        let secret = TempDirectory(prefix: "jcs-secret")
        chmod(secret.path, 0o700)
        mkdir(secret.file("skills"), 0o700)
        secret.write("skills/secret.md", skillFile("stolen", description: "host secret"), mode: 0o600)
        secret.write("secret.md", skillFile("stolen2", description: "host secret"), mode: 0o600)
        return secret
    }

    private func codes(_ snapshot: AssetSnapshot) -> [String: AssetIssue.Code] {
        Dictionary(snapshot.issues.map { ($0.path, $0.code) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func aLinkedJidoLoadsNothingAndEveryKindSaysWhy() throws {
        let dir = TempDirectory(prefix: "jcs-assets")
        let secret = secretTree()
        symlink(secret.path, dir.file(".jido"))
        let snapshot = try loader(dir).load(generation: 1)
        #expect(snapshot.skills.isEmpty)
        for kind in AssetKind.allCases {
            #expect(codes(snapshot)[".jido/\(kind.directory)"] == .symlink, "\(kind)")
        }
    }

    @Test func linkedKindDirectoriesAndLinkedFilesAreAssetErrors() throws {
        let dir = TempDirectory(prefix: "jcs-assets")
        let secret = secretTree()
        let tree = AssetTree(directory: dir)
        tree.write(".jido/commands/ok.md", commandFile("ok"))
        symlink(secret.file("skills"), dir.file(".jido/skills"))
        symlink("/", dir.file(".jido/skill_graph"))
        mkdir(dir.file(".jido/workflows"), 0o755)
        symlink(secret.file("secret.md"), dir.file(".jido/workflows/leak.md"))
        let snapshot = try loader(dir).load(generation: 1)
        #expect(snapshot.skills.isEmpty && snapshot.graphNodes.isEmpty && snapshot.workflows.isEmpty)
        #expect(snapshot.commands.map(\.name) == ["ok"], "the rest still loads")
        #expect(codes(snapshot)[".jido/skills"] == .symlink)
        #expect(codes(snapshot)[".jido/skill_graph"] == .symlink)
        #expect(codes(snapshot)[".jido/workflows/leak.md"] == .symlink)
        #expect(snapshot.issues.count == 3, "skill_graph -> / walked nothing: \(snapshot.issues)")
        #expect(!snapshot.issues.contains { $0.reason.contains("host secret") })
    }

    @Test func aFIFOAndADirectoryLinkInsideAKindNeverLoad() throws {
        let dir = TempDirectory(prefix: "jcs-assets")
        let secret = secretTree()
        let tree = AssetTree(directory: dir)
        tree.write(".jido/skills/ok.md", skillFile("ok"))
        #expect(mkfifo(dir.file(".jido/skills/x.md"), 0o644) == 0)
        symlink(secret.file("skills"), dir.file(".jido/skills/sub"))
        let snapshot = try loader(dir).load(generation: 1)
        #expect(snapshot.skills.map(\.name) == ["ok"])
        #expect(codes(snapshot)[".jido/skills/x.md"] == .notRegularFile)
        #expect(snapshot.issues.count == 1, "a linked directory is not entered: \(snapshot.issues)")
    }

    @Test func sparseFilesCostTheSnapshotTheirSizeUpToTheCap() throws {
        let dir = TempDirectory(prefix: "jcs-assets")
        mkdir(dir.file(".jido"), 0o755)
        mkdir(dir.file(".jido/skills"), 0o755)
        // 100 files of 1 MiB each, 4 KiB or less on disk: the attack of finding 5.
        for index in 0..<100 {
            let fd = open(dir.file(".jido/skills/s\(index).md"), O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            #expect(ftruncate(fd, 1 << 20) == 0)
            close(fd)
        }
        var options = RuntimeOptions()
        options.assetMaxTotalBytes = 4 << 20
        let snapshot = try loader(dir, options: options).load(generation: 1)
        let limited = snapshot.issues.filter { $0.code == .limitReached }
        let read = snapshot.issues.filter { $0.code != .limitReached }
        #expect(read.count == 4, "only 4 MiB of files were read: \(read.count)")
        #expect(limited.count == 96)
        #expect(limited.first?.reason.contains("asset_max_total_bytes") == true)
    }

    @Test func theFileCountCapKeepsTheFirstFilesAndReportsTheRest() throws {
        let dir = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: dir)
        for index in 0..<10 { tree.write(".jido/skills/s\(index).md", skillFile("s\(index)")) }
        var options = RuntimeOptions()
        options.assetMaxFiles = 4
        let snapshot = try loader(dir, options: options).load(generation: 1)
        #expect(snapshot.skills.map(\.name) == ["s0", "s1", "s2", "s3"])
        #expect(snapshot.issues.filter { $0.code == .limitReached }.count == 6)
        #expect(snapshot.issues.allSatisfy { $0.reason.contains("asset_max_files") })
    }

    @Test func aDirectoryOfManyNamesIsListedOnlyAsFarAsTheBudget() throws {
        let dir = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: dir)
        tree.write(".jido/skills/a.md", skillFile("a"))
        for index in 0..<1000 { dir.write(".jido/skills/junk\(index)", "") }
        var options = RuntimeOptions()
        options.assetMaxFiles = 10  // 160 entries examined at most
        let snapshot = try loader(dir, options: options).load(generation: 1)
        let limited = snapshot.issues.filter { $0.code == .limitReached }
        #expect(limited.count == 1, "one entry says the listing stopped: \(snapshot.issues.count) issues")
        #expect(limited.first?.reason.contains("directory entries") == true)
    }

    @Test func namesThatAreNotUTF8AreReportedAndCountTowardTheBudget() throws {
        // Such names were skipped before the budget counted them: a tool's million `\xff<N>`
        // cost the coordinator a `fstatat` each, outside any bound, and a skill named so was
        // dropped without a word.
        let dir = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: dir)
        tree.write(".jido/skills/a.md", skillFile("a"))
        let skills = Array(dir.file(".jido/skills").utf8)
        func make(_ name: [UInt8], directory: Bool = false) {
            let path = (skills + [0x2F] + name + [0]).map { CChar(bitPattern: $0) }
            let made = directory ? mkdir(path, 0o755) : open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            precondition(made >= 0, "errno \(errno)")
            if !directory { close(made) }
        }
        make(Array("caf".utf8) + [0xE9] + Array(".md".utf8))
        make([0xFF, 0xFE], directory: true)
        make([0xFF] + Array("notes.txt".utf8))
        let snapshot = try loader(dir).load(generation: 1)
        #expect(snapshot.skills.map(\.name) == ["a"])
        #expect(codes(snapshot)[".jido/skills/caf\\xe9.md"] == .invalidUTF8, "\(snapshot.issues)")
        #expect(codes(snapshot)[".jido/skills/\\xff\\xfe"] == .invalidUTF8, "\(snapshot.issues)")
        #expect(snapshot.issues.count == 2, "a file that is no asset is not named: \(snapshot.issues)")

        for index in 0..<1000 { make([0xFF] + Array("\(index)".utf8)) }
        var options = RuntimeOptions()
        options.assetMaxFiles = 10  // 160 entries examined at most
        let flooded = try loader(dir, options: options).load(generation: 2)
        let limited = flooded.issues.filter { $0.code == .limitReached }
        #expect(limited.count == 1 && limited.first?.reason.contains("directory entries") == true, "\(flooded.issues.count) issues")
    }

    @Test func directoriesDeeperThanTheDepthCapAreReportedNotRead() throws {
        let dir = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: dir)
        tree.write(".jido/skills/a/b/c/deep.md", skillFile("deep"))
        tree.write(".jido/skills/a/shallow.md", skillFile("shallow"))
        var options = RuntimeOptions()
        options.watcherMaxDepth = 2
        let snapshot = try loader(dir, options: options).load(generation: 1)
        #expect(snapshot.skills.map(\.name) == ["shallow"])
        #expect(codes(snapshot)[".jido/skills/a/b/c"] == .limitReached)
    }

    @Test func aNameWithTerminalControlsIsKeptVerbatimInTheIssue() throws {
        // The loader reports names as they are; `jcs` escapes them (HumanOutputTests).
        let dir = TempDirectory(prefix: "jcs-assets")
        let tree = AssetTree(directory: dir)
        tree.write(".jido/skills/\u{1B}]0;pwned\u{07}\nx.md", "no front matter")
        let snapshot = try loader(dir).load(generation: 1)
        #expect(snapshot.issues.first?.path == ".jido/skills/\u{1B}]0;pwned\u{07}\nx.md")
    }
}
