#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// Writes each alert as one JSON line to a file descriptor (the daemon's log, or stderr). The
/// descriptor stays the caller's: the sink neither owns nor closes it.
public struct LogAlertSink: AlertSink {
    public let name = "log"
    public let fd: Int32

    public init(fd: Int32) {
        self.fd = fd
    }

    public func deliver(_ alert: Alert) throws(AlertDeliveryError) {
        // One write per line: lines from several writers to an O_APPEND file do not interleave.
        let bytes = Array(JSONWriter.jsonLine(alert.json).utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(call: "write", errno: errno)
            }
            offset += n
        }
    }
}
