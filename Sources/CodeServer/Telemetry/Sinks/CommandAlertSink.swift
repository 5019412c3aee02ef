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
        do {
            return try CleanSpawn.spawn(argv, stdin: .descriptor(stdin), stdout: .devNull, stderr: .devNull)
        } catch {
            if case .system(let call, let errno) = error { throw .system(call: call, errno: errno) }
            throw .system(call: "posix_spawn(\(argv[0]))", errno: EINVAL)
        }
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
