#if canImport(Glibc)
import Glibc
#endif

/// Newline-delimited input read straight from a descriptor, byte-exact (a String reader would
/// repair invalid UTF-8 the daemon must see and refuse), with a bound on a line's length.
struct MCPLineReader {
    enum Line {
        case line([UInt8])
        /// A line longer than the bound; its bytes were dropped up to its newline.
        case tooLong
    }

    let fd: Int32
    let maximumLine: Int
    private var buffer: [UInt8] = []
    private var discarding = false
    private var atEnd = false

    init(fd: Int32, maximumLine: Int) {
        self.fd = fd
        self.maximumLine = maximumLine
    }

    /// The next line without its newline; nil at end of input. A last line without a newline counts.
    mutating func next() -> Line? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if discarding {
                    discarding = false
                    return .tooLong
                }
                return .line(line)
            }
            if buffer.count > maximumLine {
                buffer.removeAll(keepingCapacity: true)
                discarding = true
            }
            if atEnd {
                if discarding {
                    discarding = false
                    return .tooLong
                }
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return .line(buffer)
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                atEnd = true
                continue
            }
            buffer += chunk[..<n]
        }
    }
}
