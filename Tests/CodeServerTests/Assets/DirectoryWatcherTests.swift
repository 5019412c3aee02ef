#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// The watcher on real files, with the edits editors and tools actually make.
@Suite(.serialized, .tags(.reliability))
struct DirectoryWatcherTests {
    /// Reads until `expected` has been seen or two seconds passed; returns all that was seen.
    private func collect(_ watcher: DirectoryWatcher, until expected: Set<DirectoryWatcher.Change>)
        -> Set<DirectoryWatcher.Change>
    {
        var seen = Set<DirectoryWatcher.Change>()
        for _ in 0..<200 where !expected.isSubset(of: seen) {
            var p = pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 10)
            seen.formUnion(watcher.read())
        }
        return seen
    }

    @Test func addEditDeleteAndRenameAreReported() throws {
        let dir = TempDirectory()
        dir.write("kept.md", "one")
        let watcher = try DirectoryWatcher(root: try handle(dir.path))
        dir.write("new.md", "x")
        dir.write("kept.md", "two")
        rename(dir.file("new.md"), dir.file("renamed.md"))
        unlink(dir.file("kept.md"))
        let seen = collect(watcher, until: [.path("new.md"), .path("kept.md"), .path("renamed.md")])
        #expect(seen.isSuperset(of: [.path("new.md"), .path("kept.md"), .path("renamed.md")]))
    }

    @Test func anAtomicSaveReportsTheFinalPath() throws {
        let dir = TempDirectory()
        mkdir(dir.file("commands"), 0o755)
        dir.write("commands/build.md", "old")
        let watcher = try DirectoryWatcher(root: try handle(dir.path))
        dir.write("commands/.build.md.swp", "new")
        rename(dir.file("commands/.build.md.swp"), dir.file("commands/build.md"))
        let seen = collect(watcher, until: [.path("commands/build.md")])
        #expect(seen.contains(.path("commands/build.md")))
    }

    @Test func directoriesCreatedLaterAreWatchedAndTheirFilesReported() throws {
        let dir = TempDirectory()
        let watcher = try DirectoryWatcher(root: try handle(dir.path))
        mkdir(dir.file("skills"), 0o755)
        mkdir(dir.file("skills/deep"), 0o755)
        dir.write("skills/deep/a.md", "x")
        _ = collect(watcher, until: [.path("skills/deep/a.md")])
        // And a later write deep inside is seen through the new watch.
        dir.write("skills/deep/b.md", "y")
        let later = collect(watcher, until: [.path("skills/deep/b.md")])
        #expect(later.contains(.path("skills/deep/b.md")))
    }

    @Test func removingTheRootAsksForARescan() throws {
        let parent = TempDirectory()
        mkdir(parent.file("root"), 0o755)
        let watcher = try DirectoryWatcher(root: try handle(parent.path), base: "root")
        rmdir(parent.file("root"))
        let seen = collect(watcher, until: [.rescan])
        #expect(seen.contains(.rescan))
    }

    @Test func watchesAreCappedInCountAndDepthAndTheDataDirectoryTakesNone() throws {
        let dir = TempDirectory()
        for name in ["state", "state/x", "skills", "skills/a", "skills/a/b", "skills/a/b/c", "commands", "workflows"] {
            mkdir(dir.file(name), 0o755)
        }
        let limits = WatchLimits()
        let watcher = try DirectoryWatcher(
            root: try handle(dir.path), skip: ["state"], maximumDirectories: 4, maximumDepth: 2, limits: limits)
        // Root, commands, skills, skills/a: the cap; skills/a/b is deeper than 2 or past it.
        #expect(watcher.watchCount == 4)
        let hits = limits.issues()
        #expect(!hits.isEmpty && hits.allSatisfy { $0.code == .limitReached })
        #expect(!hits.contains { $0.path.contains("state") }, "the data directory is skipped, not capped")
    }

        @Test func aDirectoryReplacedByALinkIsNeverOpenedForWatching() throws {
        let dir = TempDirectory()
        symlink("/", dir.file("commands"))
        let root = try handle(dir.path)
        #expect(throws: ProjectFileError.symlink(path: "commands")) { try root.directory("commands") }
        // Inside a watched tree, a link is an entry, never a directory to descend into.
        let watcher = try DirectoryWatcher(root: root)
        #expect(watcher.watchCount == 1)
    }

    @Test func aHundredWritesInASecondBecomeFewBatchesWithTheFinalState() throws {
        let dir = TempDirectory()
        final class Batches: @unchecked Sendable {
            var mutex = pthread_mutex_t()
            var items: [WatchLoop.Batch] = []
            init() { pthread_mutex_init(&mutex, nil) }
            func append(_ b: WatchLoop.Batch) {
                pthread_mutex_lock(&mutex)
                items.append(b)
                pthread_mutex_unlock(&mutex)
            }
            var snapshot: [WatchLoop.Batch] {
                pthread_mutex_lock(&mutex)
                defer { pthread_mutex_unlock(&mutex) }
                return items
            }
        }
        let batches = Batches()
        let loop = try WatchLoop(root: try handle(dir.path), quietMs: 250, maxWaitMs: 2000) { batches.append($0) }
        defer { loop.stop() }
        let start = Timestamp.nowMs()
        for i in 0..<100 {
            dir.write("c.md", "version \(i)")
            usleep(10_000)
        }
        let burstMs = Timestamp.nowMs() - start
        // The burst lasted ~1 s with no 250 ms pause: one batch at the quiet period's end. A
        // loaded machine may stall the writer past the quiet period now and then, or stretch the
        // burst past the longest wait (2 s), so the bound grows with the burst's length: a few
        // batches a second of burst, never one per write.
        for _ in 0..<300 where batches.snapshot.isEmpty { usleep(10_000) }
        usleep(400_000)
        let seen = batches.snapshot
        let bound = 4 + Int(burstMs / 500)
        #expect(!seen.isEmpty && seen.count <= bound, "\(seen.count) batches for 100 writes in \(burstMs) ms")
        #expect(seen.allSatisfy { $0 == [.path("c.md")] })
        #expect(dir.read("c.md") == "version 99")
    }
}
