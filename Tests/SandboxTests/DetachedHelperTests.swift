#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import TestSupport
import Testing

/// The helpers that tear sandboxes down off the caller's path (and the one that holds an idmap
/// namespace) share our memory, and with it the thread-local errno of the thread that cloned
/// them. A helper whose libc call failed set that thread's errno while it went on: glibc's
/// realpath reads errno after readlink, so prepares failed now and then with EAGAIN.
struct DetachedHelperTests {
    @Test func aHelperLeavesTheCallersErrnoAlone() throws {
        let scratch = TempDirectory(prefix: "jcs-detached")
        let lockPath = scratch.file("lock")
        // Another holder of the lock, so the helper's exclusive flock fails (EWOULDBLOCK), and
        // the placeholder it sweeps and the lock file it unlinks do not exist (ENOENT).
        let held = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        defer { close(held) }
        try #require(held >= 0 && flock(held, LOCK_SH) == 0)
        for _ in 0..<20 {
            let lock = open(lockPath, O_RDWR | O_CLOEXEC)
            let root = open(scratch.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            try #require(lock >= 0 && root >= 0)
            errno = 0
            let rc = csb_protect_release_detached(lock, root, scratch.file("missing/lock"), "gone", 4, [], 0)
            csb_wait_closers()
            let seen = errno
            #expect(rc == 0 && seen == 0, "errno after the helper: \(seen)")
        }
    }
}
