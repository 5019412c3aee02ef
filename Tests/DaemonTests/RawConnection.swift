#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// One raw client connection the test keeps open (a follower it later drops, an idle flood, a
/// trickled body), unlike `RawHTTP`'s one-shot exchanges. Owns its descriptor; every wait is bounded.
final class RawConnection {
    private(set) var fd: Int32
    private var received: [UInt8] = []

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { close() }

    /// To the daemon's Unix socket.
    static func unix(_ path: String) -> RawConnection? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            return nil
        }
        return RawConnection(fd: fd)
    }

    /// To 127.0.0.1:`port`, from the loopback address `source` (127.0.0.0/8 is all ours, so a
    /// "hostile" client can come from another address than the legitimate one).
    static func tcp(port: Int, from source: String = "127.0.0.1") -> RawConnection? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, rc == 0 else {
            Glibc.close(fd)
            return nil
        }
        return RawConnection(fd: fd)
    }

    /// Sends all of `bytes` (bounded by a 10 s send timeout); false when the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until `received` contains `marker` or `seconds` pass or the stream ends; true when found.
    func read(until marker: [UInt8], seconds: Double) -> Bool {
        let deadline = Monotonic.now() + seconds
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if received.count >= marker.count, Self.contains(received, marker) { return true }
            let left = deadline - Monotonic.now()
            guard left > 0 else { return false }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, left * 1000))) > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return Self.contains(received, marker) }
            received += chunk[..<n]
        }
    }

    /// Whether the daemon closed the connection within `seconds` (reads and discards until then).
    func closedByPeer(within seconds: Double) -> Bool {
        let deadline = Monotonic.now() + seconds
        var chunk = [UInt8](repeating: 0, count: 65536)
        while Monotonic.now() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return true }
            received += chunk[..<n]
        }
        return false
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return true }
        }
        return false
    }
}

/// Seconds on CLOCK_MONOTONIC.
enum Monotonic {
    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The daemon's own view of itself, from /proc: what the resource tests bound.
enum ProcessUsage {
    static func openDescriptors(_ pid: pid_t) -> Int {
        guard let dir = opendir("/proc/\(pid)/fd") else { return -1 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { count += 1 }
        }
        return count
    }
}
