#if canImport(Glibc)
import Glibc
#endif

/// The smallest HTTP/1.1 client the webhook needs: resolve, connect with a deadline, send one
/// request with `Connection: close`, read the status line. The body of the answer is ignored;
/// only whether the endpoint took the alert matters.
enum HTTPClient {
    /// Sends `POST url` with `body` and returns the response's status code.
    static func post(
        _ url: HTTPURL, body: [UInt8], contentType: String, headers: [(String, String)] = [], timeoutMs: Int64
    ) throws(AlertDeliveryError) -> Int {
        let deadline = Deadline(afterMs: timeoutMs)
        let fd = try connect(url, deadline: deadline)
        defer { close(fd) }
        var head = "POST \(url.path) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nContent-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\nConnection: close\r\nUser-Agent: jcs-alerts\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try SocketIO.writeAll(fd, Array(head.utf8) + body, deadline: deadline)
        return try readStatus(fd, deadline: deadline)
    }

    private static func connect(_ url: HTTPURL, deadline: Deadline) throws(AlertDeliveryError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(url.host, String(url.port), &hints, &list)
        guard rc == 0, let first = list else { throw .unresolvable(host: url.host, code: rc) }
        defer { freeaddrinfo(list) }
        var lastError = AlertDeliveryError.system(call: "connect", errno: ECONNREFUSED)
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                lastError = .system(call: "socket", errno: errno)
                continue
            }
            do throws(AlertDeliveryError) {
                try finishConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, deadline: deadline)
                return fd
            } catch {
                close(fd)
                lastError = error
                if case .timedOut = error { throw error }
            }
        }
        throw lastError
    }

    private static func finishConnect(
        _ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, deadline: Deadline
    ) throws(AlertDeliveryError) {
        if Glibc.connect(fd, address, length) == 0 { return }
        guard errno == EINPROGRESS || errno == EINTR else { throw .system(call: "connect", errno: errno) }
        guard try SocketIO.waitReady(fd, events: Int16(POLLOUT), deadline: deadline) else { throw .timedOut(phase: "connect") }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        if error != 0 { throw .system(call: "connect", errno: error) }
    }

    /// Reads until the end of the status line (`HTTP/1.x NNN reason`).
    private static func readStatus(_ fd: Int32, deadline: Deadline) throws(AlertDeliveryError) -> Int {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !received.contains(UInt8(ascii: "\n")) {
            guard received.count < 8192 else { throw .malformedResponse }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += buffer[..<n]
            } else if n == 0 {
                break
            } else if errno == EAGAIN {
                guard try SocketIO.waitReady(fd, events: Int16(POLLIN), deadline: deadline) else { throw .timedOut(phase: "receive") }
            } else if errno != EINTR {
                throw .system(call: "recv", errno: errno)
            }
        }
        let line = received.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)),
              parts[1].count == 3, let status = Int(String(decoding: parts[1], as: UTF8.self))
        else { throw .malformedResponse }
        return status
    }
}
