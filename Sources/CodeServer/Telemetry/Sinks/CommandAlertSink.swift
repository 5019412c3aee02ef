#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Sandbox

/// Runs a command per alert (a pager CLI, a script) with the alert's JSON on its stdin.
///
/// The command gets no other descriptor of ours (stdout and stderr go to /dev/null, everything from
/// fd 3 up is closed), and `timeoutMs` bounds the whole delivery: past it the command is killed
/// with SIGKILL and the attempt fails. A non-zero exit is a failure that is not retried: the
/// command said no, and running it again would say no again.
public struct CommandAlertSink: AlertSink {
    public let name = "command"
    /// The program and its arguments; `argv[0]` is a path (no `PATH` search).
    public let argv: [String]
    public let timeoutMs: Int64

    /// - Precondition: `argv` is not empty.
    public init(argv: [String], timeoutMs: Int64 = 10_000) {
        precondition(!argv.isEmpty, "a command sink needs a program")
        self.argv = argv
        self.timeoutMs = timeoutMs
    }

    public func deliver(_ alert: Alert) throws(AlertDeliveryError) {
        let deadline = Deadline(afterMs: timeoutMs)
        // A socket pair rather than a pipe: writing to a command that exited without reading
        // must fail with EPIPE (MSG_NOSIGNAL), not raise SIGPIPE in the daemon.
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw .system(call: "socketpair", errno: errno)
        }
        let readEnd = OwnedFD(fds[0])
        let writeEnd = OwnedFD(fds[1])
        let pid = try spawn(stdin: readEnd.raw)
        // Ours closed, so the command sees EOF once we close the write end.
        readEnd.close()
        _ = fcntl(writeEnd.raw, F_SETFL, fcntl(writeEnd.raw, F_GETFL) | O_NONBLOCK)
        // A command that exits without reading its stdin is not a delivery failure by itself; its
        // exit status says whether it worked.
        _ = try? SocketIO.writeAll(writeEnd.raw, Array(JSONWriter.text(alert.json).utf8), deadline: deadline)
        writeEnd.close()
        try wait(pid, deadline: deadline)
    }

    private func spawn(stdin: Int32) throws(AlertDeliveryError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // glibc's addclosefrom_np is hidden without _GNU_SOURCE; the worker's spawn uses the same shim.
        _ = csb_spawn_actions_closefrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Not the runtime's blocked or ignored signals: SIGKILL at the deadline must be the only surprise.
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

    /// Reaps `pid`, killing it at the deadline. A pidfd turns "exited or deadline" into one poll.
    private func wait(_ pid: pid_t, deadline: Deadline) throws(AlertDeliveryError) {
        var status: Int32 = 0
        let pidfd = csb_pidfd_open(pid)
        if pidfd >= 0 {
            defer { close(pidfd) }
            let exited: Bool
            do {
                exited = try SocketIO.waitReady(pidfd, events: Int16(POLLIN), deadline: deadline)
            } catch {
                // Never leave a child behind: whatever poll said, the command is stopped and reaped.
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw error
            }
            if !exited {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw .timedOut(phase: "command")
            }
        }
        // Without a pidfd (kernels before 5.3) the reap blocks; the command's own bound is then its author's.
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .system(call: "waitpid", errno: errno) }
        }
        let signal = status & 0x7f
        if signal != 0 { throw .signaled(signal) }
        let code = (status >> 8) & 0xff
        if code != 0 { throw .exitStatus(code) }
    }
}
