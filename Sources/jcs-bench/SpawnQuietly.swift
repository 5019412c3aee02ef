#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn + waitpid with stdio on /dev/null; returns the wait status (-1 when the spawn
/// failed). Every mode's baselines (bare spawn, bwrap, `jcs sandbox run`) start their processes
/// through this one function, so they pay the same launch cost.
@discardableResult
func spawnQuietly(_ argv: [String]) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (fd, flags) in [(Int32(0), O_RDONLY), (1, O_WRONLY), (2, O_WRONLY)] {
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", flags, 0)
    }
    let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], &actions, nil, cargs, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}
