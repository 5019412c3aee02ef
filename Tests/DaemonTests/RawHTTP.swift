#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// Sends bytes the `jcs` CLI would never send (truncated JSON, invalid UTF-8, huge bodies, other
/// clients' headers) straight to the daemon, over its Unix socket or its TCP listener, and reads
/// the answer: status, headers, body and the body parsed as JSON. `Connection: close`, so the
/// answer ends at end of stream at the latest.
enum RawHTTP {
    struct Answer: Sendable {
        var status: Int
        var json: JSONValue
        /// Names lowercased.
        var headers: [String: String] = [:]
        var body: [UInt8] = []

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func send(
        socket path: String, method: String, target: String, headers: [(String, String)] = [], body: [UInt8]
    ) -> Answer? {
        guard let fd = connectUnix(path) else { return nil }
        defer { close(fd) }
        return exchange(fd, method: method, target: target, host: "jcs", headers: headers, body: body)
    }

    /// The same over TCP to 127.0.0.1:`port`, the way a remote client reaches the TCP listener.
    static func send(
        port: Int, method: String, target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) -> Answer? {
        guard let fd = connectTCP(port) else { return nil }
        defer { close(fd) }
        return exchange(fd, method: method, target: target, host: "127.0.0.1", headers: headers, body: body)
    }

    /// A non-JSON answer (`/metrics`): status, the `Content-Type` header and the body as text.
    struct TextAnswer {
        var status: Int
        var contentType: String
        var body: String
    }

    static func getText(socket path: String, target: String) -> TextAnswer? {
        send(socket: path, method: "GET", target: target, body: []).map {
            TextAnswer(status: $0.status, contentType: $0.headers["content-type"] ?? "", body: $0.text)
        }
    }

    private static func connectUnix(_ path: String) -> Int32? {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    static func connectTCP(_ port: Int) -> Int32? {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func exchange(
        _ fd: Int32, method: String, target: String, host: String, headers: [(String, String)], body: [UInt8]
    ) -> Answer? {
        // Bounded waits: a daemon that neither answers nor closes fails the test instead of hanging it.
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + body
        var offset = 0
        // The daemon answers a huge body (413) without reading it all: stop sending as soon as
        // the answer is readable.
        while offset < request.count {
            var poller = pollfd(fd: fd, events: Int16(POLLIN | POLLOUT), revents: 0)
            guard poll(&poller, 1, 10_000) > 0, poller.revents & Int16(POLLIN) == 0 else { break }
            let n = request[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, min($0.count, 65536), Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { break }
            offset += n
        }
        // Reads until the head and `Content-Length` bytes of body are in (the server may keep the
        // connection open), or end of stream.
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let answer = parse(response) { return answer }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return parse(response, complete: true) }
            response += chunk[..<n]
        }
    }

    /// The answer once `bytes` hold all of it; with `complete`, whatever body there is (a
    /// chunked body is only complete at end of stream, and is de-chunked then).
    private static func parse(_ bytes: [UInt8], complete: Bool = false) -> Answer? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let split = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        let lines = String(decoding: bytes[..<split], as: UTF8.self).split(separator: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var body = Array(bytes[(split + 4)...])
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { return complete ? answer(status, headers, body) : nil }
            return answer(status, headers, Array(body.prefix(length)))
        }
        guard complete else { return nil }
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true { body = dechunk(body) }
        return answer(status, headers, body)
    }

    private static func answer(_ status: Int, _ headers: [String: String], _ body: [UInt8]) -> Answer {
        Answer(status: status, json: (try? JSONParser.parse(body)) ?? .null, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var rest = bytes[...]
        while let lineEnd = rest.firstIndex(of: UInt8(ascii: "\r")),
            let size = Int(String(decoding: rest[rest.startIndex..<lineEnd], as: UTF8.self), radix: 16), size > 0
        {
            let start = lineEnd + 2
            guard start + size <= rest.endIndex else { break }
            out += rest[start..<start + size]
            rest = rest[min(rest.endIndex, start + size + 2)...]
        }
        return out
    }
}
