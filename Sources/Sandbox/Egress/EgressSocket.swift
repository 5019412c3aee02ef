#if canImport(Glibc)
import Glibc
#endif

/// The socket calls of the egress path (monitor and proxy): TCP to an IPv4/IPv6 address with a
/// deadline, whole writes, and reading exactly one HTTP head without consuming what follows.
public enum EgressSocket {
    /// A socket address built from numeric text; nil when the text is not an address.
    public static func address(_ host: String, port: Int) -> (storage: sockaddr_storage, length: socklen_t)? {
        var storage = sockaddr_storage()
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            sin.sin_addr = v4
            withUnsafeMutableBytes(of: &storage) { out in withUnsafeBytes(of: sin) { out.copyMemory(from: $0) } }
            return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
        if inet_pton(AF_INET6, host, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
            sin6.sin6_addr = v6
            withUnsafeMutableBytes(of: &storage) { out in withUnsafeBytes(of: sin6) { out.copyMemory(from: $0) } }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
        return nil
    }

    /// A blocking TCP socket connected to `host` (numeric) within `timeoutMs`; the errno of the
    /// failure otherwise (ETIMEDOUT on the deadline).
    public static func connect(_ host: String, port: Int, timeoutMs: Int32) -> Result<OwnedFD, SocketError> {
        guard let (initial, length) = address(host, port: port) else { return .failure(SocketError(errno: EINVAL)) }
        var storage = initial
        let family = Int32(storage.ss_family)
        let fd = OwnedFD(socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0))
        guard fd.isOpen else { return .failure(SocketError(errno: errno)) }
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd.raw, $0, length) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else { return .failure(SocketError(errno: errno)) }
            var p = pollfd(fd: fd.raw, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat { ready = poll(&p, 1, timeoutMs) } while ready < 0 && errno == EINTR
            guard ready > 0 else { return .failure(SocketError(errno: ETIMEDOUT)) }
            var err: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd.raw, SOL_SOCKET, SO_ERROR, &err, &size)
            guard err == 0 else { return .failure(SocketError(errno: err)) }
        }
        _ = fcntl(fd.raw, F_SETFL, fcntl(fd.raw, F_GETFL) & ~O_NONBLOCK)
        var one: Int32 = 1
        setsockopt(fd.raw, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .success(fd)
    }

    /// Writes everything (MSG_NOSIGNAL); false when the peer is gone.
    public static func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + (offset - bytes.startIndex), bytes.endIndex - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Waits until `fd` is readable, up to `timeoutMs`.
    public static func waitReadable(_ fd: Int32, timeoutMs: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var rc: Int32
        repeat { rc = poll(&p, 1, timeoutMs) } while rc < 0 && errno == EINTR
        return rc > 0
    }

    /// Reads one HTTP head and nothing after it: peeks, then consumes exactly the head, so bytes
    /// the peer sent right behind it (a server's banner after `200`) stay in the socket for the
    /// tool. Nil on EOF, a timeout, or a head over `EgressWire.maxHeadBytes`.
    public static func readHead(_ fd: Int32, timeoutMs: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: EgressWire.maxHeadBytes)
        var seen = 0
        // One deadline for the whole head: a peer that sends a few bytes and stalls must not
        // keep the reader waking forever.
        let deadline = Timestamp.monotonicNs() + UInt64(timeoutMs) * 1_000_000
        while true {
            let now = Timestamp.monotonicNs()
            guard now < deadline, waitReadable(fd, timeoutMs: Int32((deadline - now) / 1_000_000) + 1) else { return nil }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            if let length = HTTPHead.length(in: buffer[0..<n]) {
                var consumed = [UInt8](repeating: 0, count: length)
                var got = 0
                while got < length {
                    let r = consumed.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, length - got, 0) }
                    if r < 0 && errno == EINTR { continue }
                    guard r > 0 else { return nil }
                    got += r
                }
                return consumed
            }
            guard n < buffer.count else { return nil }
            if n == seen {
                // Nothing new since the last peek (the socket stays readable): wait a little
                // rather than spin.
                usleep(1000)
            }
            seen = n
        }
    }

    /// Reads exactly `count` bytes before `deadline` (monotonic ns); nil on EOF or the deadline.
    public static func readExactly(_ fd: Int32, _ count: Int, deadline: UInt64) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let now = Timestamp.monotonicNs()
            guard now < deadline, waitReadable(fd, timeoutMs: Int32((deadline - now) / 1_000_000) + 1) else { return nil }
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { return nil }
            got += n
        }
        return bytes
    }

    /// One length-prefixed DNS message (`EgressWire.frame`) within `timeoutMs`; nil on EOF or
    /// the deadline. Bounded by the two-byte length: at most 65535 bytes.
    public static func readFrame(_ fd: Int32, timeoutMs: Int32) -> [UInt8]? {
        let deadline = Timestamp.monotonicNs() + UInt64(timeoutMs) * 1_000_000
        guard let length = readExactly(fd, 2, deadline: deadline) else { return nil }
        return readExactly(fd, Int(length[0]) << 8 | Int(length[1]), deadline: deadline)
    }

    /// Reads the preamble line (`JCS-EGRESS <token>\r\n`) byte by byte, so nothing behind it
    /// is consumed; nil when it is not one.
    public static func readPreamble(_ fd: Int32, timeoutMs: Int32) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        let deadline = Timestamp.monotonicNs() + UInt64(timeoutMs) * 1_000_000
        while line.count < 200 {
            let now = Timestamp.monotonicNs()
            guard now < deadline, waitReadable(fd, timeoutMs: Int32((deadline - now) / 1_000_000) + 1) else { return nil }
            let n = recv(fd, &byte, 1, 0)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { return nil }
            if byte == 10 {
                guard line.last == 13 else { return nil }
                let text = String(decoding: line.dropLast(), as: UTF8.self)
                let prefix = EgressWire.preambleMagic + " "
                guard text.hasPrefix(prefix) else { return nil }
                let token = String(text.dropFirst(prefix.count))
                return EgressWire.isToken(token) ? token : nil
            }
            line.append(byte)
        }
        return nil
    }
}

/// A failed socket call's errno.
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public var errno: Int32
    public init(errno: Int32) { self.errno = errno }
    public var description: String { SandboxError.errnoText(errno) }
}
