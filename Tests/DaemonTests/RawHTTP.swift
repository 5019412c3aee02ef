#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// Sends bytes the `jcs` CLI would never send (truncated JSON, invalid UTF-8, huge bodies) straight
/// to the daemon's socket and reads the answer: status and parsed JSON body. `Connection: close`,
/// so the answer ends at end of stream.
enum RawHTTP {
    struct Answer {
        var status: Int
        var json: JSONValue
        /// Names lowercased.
        var headers: [String: String] = [:]
        var body: [UInt8] = []
    }

    static func send(
        socket path: String, method: String, target: String, headers: [(String, String)] = [], body: [UInt8]
    ) -> Answer? {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return nil }
        // Bounded waits: a daemon that neither answers nor closes fails the test instead of hanging it.
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(target) HTTP/1.1\r\nHost: jcs\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
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

    /// The answer once `bytes` hold all of it; with `complete`, whatever body there is.
    private static func parse(_ bytes: [UInt8], complete: Bool = false) -> Answer? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let split = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        let rawHead = String(decoding: bytes[..<split], as: UTF8.self)
        let head = rawHead.lowercased()
        let lines = head.split(separator: "\r\n")
        var headers: [String: String] = [:]
        for line in rawHead.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let length = lines.lazy.compactMap { line -> Int? in
            line.hasPrefix("content-length:") ? Int(line.dropFirst("content-length:".count).filter { $0 != " " }) : nil
        }.first
        let body = Array(bytes[(split + 4)...])
        if let length, body.count >= length {
            let content = Array(body.prefix(length))
            return Answer(status: status, json: (try? JSONParser.parse(content)) ?? .null, headers: headers, body: content)
        }
        return complete ? Answer(status: status, json: (try? JSONParser.parse(body)) ?? .null, headers: headers, body: body) : nil
    }
}

extension RawHTTP {
    /// A non-JSON answer (`/metrics`): status, the `Content-Type` header and the body as text.
    struct TextAnswer {
        var status: Int
        var contentType: String
        var body: String
    }

    /// `GET target` with `Connection: close`, read to end of stream.
    static func getText(socket path: String, target: String) -> TextAnswer? {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return nil }
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET \(target) HTTP/1.1\r\nHost: jcs\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count
        else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            response += chunk[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.firstRange(of: "\r\n\r\n") else { return nil }
        let lines = text[..<split.lowerBound].split(separator: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let contentType = lines.dropFirst().first { $0.lowercased().hasPrefix("content-type:") }
            .map { String($0.dropFirst("content-type:".count)).trimmingPrefix(" ") }.map(String.init) ?? ""
        var body = String(text[split.upperBound...])
        // Hummingbird may answer with chunked transfer encoding; undo it so the test sees the document.
        if lines.contains(where: { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }) {
            body = dechunk(body)
        }
        return TextAnswer(status: status, contentType: contentType, body: body)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.firstRange(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }
}
