#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TestSupport
import Testing

@testable import CodeServer

/// The one way host code reaches a project's files: from the root's handle, never through a link,
/// regular files only, never more than their size.
struct ProjectDirectoryTests {
    @Test func linksDotDotAndAbsolutePathsAreRefusedOnEveryComponent() throws {
        let dir = TempDirectory(prefix: "jcs-beneath")
        let outside = TempDirectory(prefix: "jcs-outside")
        outside.write("secret.md", "root only")
        mkdir(dir.file("real"), 0o755)
        dir.write("real/ok.md", "fine")
        symlink(outside.path, dir.file("linked"))
        symlink(outside.file("secret.md"), dir.file("real/leak.md"))
        symlink("ok.md", dir.file("real/relative.md"))
        let root = try handle(dir.path)
        #expect(try root.readRegularFile("real/ok.md", limit: 100) == Array("fine".utf8))
        #expect(throws: ProjectFileError.symlink(path: "linked/secret.md")) { try root.readRegularFile("linked/secret.md", limit: 100) }
        #expect(throws: ProjectFileError.symlink(path: "real/leak.md")) { try root.readRegularFile("real/leak.md", limit: 100) }
        // Even a link that stays inside is refused: the answer never depends on where it points.
        #expect(throws: ProjectFileError.symlink(path: "real/relative.md")) { try root.readRegularFile("real/relative.md", limit: 100) }
        #expect(throws: ProjectFileError.escapes(path: "real/../../x")) { try root.readRegularFile("real/../../x", limit: 100) }
        #expect(throws: ProjectFileError.escapes(path: "/etc/passwd")) { try root.readRegularFile("/etc/passwd", limit: 100) }
        #expect(throws: ProjectFileError.symlink(path: "linked")) { try root.directory("linked") }
    }

    @Test func aFIFOIsRefusedWithoutBlockingAndSizesComeFromFstat() throws {
        let dir = TempDirectory(prefix: "jcs-beneath")
        #expect(mkfifo(dir.file("pipe.md"), 0o644) == 0)
        let root = try handle(dir.path)
        // O_NONBLOCK: opening a FIFO with no writer returns at once; fstat then refuses it.
        #expect(throws: ProjectFileError.notRegularFile(path: "pipe.md")) { try root.readRegularFile("pipe.md", limit: 100) }
        dir.write("big.md", String(repeating: "x", count: 5000))
        #expect(throws: ProjectFileError.tooLarge(path: "big.md", size: 5000, limit: 4096)) {
            try root.readRegularFile("big.md", limit: 4096)
        }
    }

    @Test func aRacedLayoutNeverCreatesOutsideTheRoot() async throws {
        let dir = TempDirectory(prefix: "jcs-beneath")
        let outside = TempDirectory(prefix: "jcs-outside")
        mkdir(dir.file(".jido"), 0o755)
        let root = try handle(dir.path)
        let stop = Atomic(false)
        // Another tenant flips `.jido/state` between a directory and a link out, as fast as it can.
        let flipper = Task.detached {
            let state = dir.file(".jido/state")
            while !stop.load(ordering: .relaxed) {
                rmdir(state)
                unlink(state)
                _ = symlink(outside.path, state)
                unlink(state)
                _ = mkdir(state, 0o755)
            }
        }
        var created = 0
        var refused = 0
        for _ in 0..<2000 {
            do {
                try root.makeDirectories(".jido/state/deep")
                created += 1
                rmdir(dir.file(".jido/state/deep"))
            } catch {
                refused += 1
            }
        }
        stop.store(true, ordering: .relaxed)
        await flipper.value
        var info = stat()
        #expect(lstat(outside.file("deep"), &info) != 0, "nothing was ever created through the link")
        #expect(created + refused == 2000)
    }
}
