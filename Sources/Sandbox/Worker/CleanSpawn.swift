#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// `posix_spawn` of a helper process that inherits nothing but its three standard descriptors:
/// every other descriptor of the caller (sockets, journals, other workers' pipes) is closed in
/// the child, the signal mask is empty and every disposition default, whatever the caller's
/// runtime blocked or ignored. For `jcs-worker`s and alert commands alike.
public enum CleanSpawn {
    /// Where one standard descriptor of the child comes from.
    public enum Stdio: Sendable {
        /// A descriptor of the caller, duplicated into the child.
        case descriptor(Int32)
        /// /dev/null, opened for reading (stdin) or writing.
        case devNull
        /// The caller's own descriptor of the same number.
        case inherit
    }

    /// Spawns `argv` (`argv[0]` a path) and returns its pid; the caller reaps it.
    public static func spawn(_ argv: [String], stdin: Stdio, stdout: Stdio, stderr: Stdio) throws(SandboxError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, source) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch source {
            case .descriptor(let raw): posix_spawn_file_actions_adddup2(&actions, raw, fd)
            case .devNull: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .inherit: break
            }
        }
        _ = csb_spawn_actions_closefrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, environ)
        guard rc == 0 else { throw .system(call: "posix_spawn(\(argv[0]))", errno: rc) }
        return pid
    }
}
