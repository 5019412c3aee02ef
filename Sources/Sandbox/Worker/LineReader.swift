#if canImport(Glibc)
import Glibc
#endif

/// Reads newline-terminated lines from a descriptor, each at most `maxLine` bytes, so a peer
/// that never sends a newline cannot make us buffer without bound.
public struct LineReader {
    private let fd: Int32
    private let maxLine: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(fd: Int32, maxLine: Int = 16 << 20) {
        self.fd = fd
        self.maxLine = maxLine
    }

    /// The next line without its newline; nil at EOF (a final unterminated line is returned first).
    public mutating func next() throws(SandboxError) -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                if start > 65536 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            if buffer.count - start > maxLine {
                throw .protocolViolation(reason: "a line longer than \(maxLine) bytes")
            }
            // Read into uninitialized room: zeroing 64 KiB per read showed in a worker's profile.
            var n = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: 65536) { room, count in
                n = read(fd, room.baseAddress, room.count)
                count = max(n, 0)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .lastError("read")
            }
            if n == 0 {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
