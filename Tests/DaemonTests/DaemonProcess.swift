#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport

/// A `jcs-coordinator serve` on a temporary data directory and socket, for end-to-end tests. It
/// owns the pid: `stop()` sends SIGTERM and reaps, and deinit SIGKILLs and reaps if the test did
/// not stop it. Its JSON log lines go to a file the test can read.
final class DaemonProcess {
    let dataDirectory: String
    let socketPath: String
    let logPath: String
    /// More `serve` arguments, such as `--config FILE`.
    let extraArguments: [String]
    /// A program and its arguments that execs the daemon, such as `setpriv` dropping a capability.
    let launcher: [String]
    private(set) var pid: pid_t?

    /// Starts the daemon and returns once it answers `jcs project list` (polled, bounded).
    init(
        dataDirectory: String, socketPath: String, logPath: String, extraArguments: [String] = [],
        launcher: [String] = []
    ) throws {
        self.dataDirectory = dataDirectory
        self.socketPath = socketPath
        self.logPath = logPath
        self.extraArguments = extraArguments
        self.launcher = launcher
        try start()
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts (again) on the same directory and socket.
    func start() throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let argv =
            launcher + [
                BuiltProducts.path("jcs-coordinator"), "serve", "--data-dir", dataDirectory, "--socket", socketPath,
            ] + extraArguments
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, argv[0], &actions, nil, cargs, environ)
        guard rc == 0 else { throw Failure(description: "posix_spawn: \(rc)") }
        pid = child
        // Polls for the fact "the daemon answers", with a bound; each attempt is a real request.
        for _ in 0..<600 {
            if runProduct("jcs", ["project", "list", "--json", "--socket", socketPath]).status == 0 { return }
            var status: Int32 = 0
            if waitpid(child, &status, WNOHANG) == child {
                pid = nil
                throw Failure(description: "the daemon exited (\(status)): \(readTextFile(logPath) ?? "")")
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&pause, nil)
        }
        throw Failure(description: "the daemon did not answer within 12 s: \(readTextFile(logPath) ?? "")")
    }

    /// SIGTERM, then reap; the exit status (128+N when killed by signal N).
    @discardableResult
    func stop() -> Int32 {
        guard let running = pid else { return -1 }
        pid = nil
        kill(running, SIGTERM)
        var status: Int32 = 0
        while waitpid(running, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    deinit {
        if let running = pid {
            kill(running, SIGKILL)
            var status: Int32 = 0
            while waitpid(running, &status, 0) < 0 && errno == EINTR {}
        }
    }
}
