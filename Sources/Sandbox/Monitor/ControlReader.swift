#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// Parses the child's records on the control socket (`enum csb_tag`); the stream may split or
/// join records, so bytes are buffered until a whole one is there.
struct ControlReader {
    enum Message: Equatable {
        case ready
        case error(step: UInt32, errno: Int32, detail: String)
        /// The tool's seccomp listener: its fd number in the tool, and the tool's host pid.
        case listener(fd: Int32, senderPID: pid_t)
        case status(waitStatus: Int32, toolPID: Int32)
    }

    private var buffer: [UInt8] = []
    private var senderPID: pid_t = 0

    /// Reads what is available; false at EOF.
    mutating func fill(from fd: Int32) throws(SandboxError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        var passed: Int32 = -1
        var pid: pid_t = 0
        let n = chunk.withUnsafeMutableBytes { csb_recv_msg(fd, $0.baseAddress!, $0.count, &passed, &pid) }
        if passed >= 0 { _ = Glibc.close(passed) }  // nothing legitimate sends fds this way
        if n < 0 { throw .lastError("recvmsg(control)") }
        if n == 0 { return false }
        if pid != 0 { senderPID = pid }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    mutating func next() -> Message? {
        guard let tag = buffer.first else { return nil }
        func int32(at offset: Int) -> Int32 {
            Int32(bitPattern: UInt32(buffer[offset]) | UInt32(buffer[offset + 1]) << 8 | UInt32(buffer[offset + 2]) << 16
                | UInt32(buffer[offset + 3]) << 24)
        }
        switch tag {
        case UInt8(CSB_TAG_READY.rawValue):
            buffer.removeFirst()
            return .ready
        case UInt8(CSB_TAG_ERROR.rawValue):
            let size = 1 + MemoryLayout<csb_error>.size
            guard buffer.count >= size else { return nil }
            let step = UInt32(bitPattern: int32(at: 1))
            let err = int32(at: 5)
            let detail = String(decoding: buffer[9..<size].prefix { $0 != 0 }, as: UTF8.self)
            buffer.removeFirst(size)
            return .error(step: step, errno: err, detail: detail)
        case UInt8(CSB_TAG_LISTENER.rawValue):
            guard buffer.count >= 5 else { return nil }
            let fd = int32(at: 1)
            buffer.removeFirst(5)
            return .listener(fd: fd, senderPID: senderPID)
        case UInt8(CSB_TAG_STATUS.rawValue):
            guard buffer.count >= 9 else { return nil }
            let status = int32(at: 1)
            let pid = int32(at: 5)
            buffer.removeFirst(9)
            return .status(waitStatus: status, toolPID: pid)
        default:
            // An unknown tag means the stream is out of step: stop trusting it.
            buffer.removeAll()
            return .error(step: 0, errno: EPROTO, detail: "unknown control tag \(tag)")
        }
    }
}
