#if canImport(Glibc)
import Glibc
#endif

/// Blocking-with-deadline I/O on non-blocking descriptors: `poll` for readiness, then read or
/// write, EINTR retried; shared by the webhook client and the command sink's stdin (a socket too,
/// so `MSG_NOSIGNAL` spares the daemon a SIGPIPE from a command that never reads).
enum SocketIO {
    /// Waits until `fd` is ready for `events` or the deadline passes; false on timeout.
    static func waitReady(_ fd: Int32, events: Int16, deadline: Deadline) throws(AlertDeliveryError) -> Bool {
        while true {
            let remaining = deadline.remainingMs()
            guard remaining > 0 else { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&entry, 1, remaining)
            if n > 0 { return true }
            if n == 0 { return false }
            if errno != EINTR { throw .system(call: "poll", errno: errno) }
        }
    }

    /// Writes all of `bytes` before the deadline.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], deadline: Deadline) throws(AlertDeliveryError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 {
                offset += n
            } else if errno == EAGAIN {
                guard try waitReady(fd, events: Int16(POLLOUT), deadline: deadline) else { throw .timedOut(phase: "send") }
            } else if errno != EINTR {
                throw .system(call: "send", errno: errno)
            }
        }
    }
}
