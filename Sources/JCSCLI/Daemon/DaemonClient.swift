import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 client over the daemon's Unix socket, blocking and Foundation-free, so `jcs`
/// links no NIO: one connection per request (`Connection: close`), a JSON body out, the status
/// and body back. Bodies come as `Content-Length` or chunked; `stream` hands over a chunked
/// body line by line as it arrives (`events --follow`).
struct DaemonClient {
    let socketPath: String

    struct Response {
        var status: Int
        var body: [UInt8]
        /// Names lowercased, in the order received.
        var headers: [(name: String, value: String)] = []

        func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            return headers.first { $0.name == wanted }?.value
        }
    }

    /// Sends one request and reads the whole answer.
    func send(_ method: String, _ target: String, body: JSONValue? = nil) throws(DaemonClientError) -> Response {
        try send(method, target, rawBody: body.map { JSONWriter.bytes($0) }, headers: [])
    }

    /// Sends `rawBody` as it is (`jcs mcp` forwards its client's bytes untouched, so the daemon
    /// judges them) with extra header lines, and reads the whole answer with its headers.
    func send(
        _ method: String, _ target: String, rawBody: [UInt8]?, headers: [(String, String)]
    ) throws(DaemonClientError) -> Response {
        var collected: [UInt8] = []
        let (status, received) = try exchange(method, target, payload: rawBody, headers: headers) { collected += $0 }
        return Response(status: status, body: collected, headers: received)
    }

    /// Sends one request and calls `line` with each newline-terminated line of the body as it
    /// arrives; returns the status once the daemon ends the body.
    func stream(
        _ method: String, _ target: String, body: JSONValue? = nil, line: ([UInt8]) -> Void
    ) throws(DaemonClientError) -> Int {
        var pending: [UInt8] = []
        let (status, _) = try exchange(method, target, payload: body.map { JSONWriter.bytes($0) }, headers: []) { bytes in
            pending += bytes
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                line(Array(pending[..<newline]))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { line(pending) }
        return status
    }

    /// Sends `rawBody` with extra header lines (an `Accept` among them replaces the default) and
    /// hands over the answer as it arrives: `head` once with the status and headers, then `body`
    /// with each piece of the body (`jcs mcp` reads an SSE answer event by event).
    func exchange(
        _ method: String, _ target: String, rawBody: [UInt8]?, headers: [(String, String)],
        head: (Int, [(name: String, value: String)]) -> Void, body: ([UInt8]) -> Void
    ) throws(DaemonClientError) -> Int {
        try exchange(method, target, payload: rawBody, headers: headers, head: head, received: body).0
    }

    private func exchange(
        _ method: String, _ target: String, payload body: [UInt8]?, headers extra: [(String, String)],
        head onHead: (Int, [(name: String, value: String)]) -> Void = { _, _ in }, received: ([UInt8]) -> Void
    ) throws(DaemonClientError) -> (Int, [(name: String, value: String)]) {
        let connection = try Connection(path: socketPath)
        defer { connection.close() }
        let payload = body ?? []
        var head = "\(method) \(target) HTTP/1.1\r\nHost: jcs\r\nConnection: close\r\nX-JCS-Client: cli\r\n"
        if !extra.contains(where: { $0.0.lowercased() == "accept" }) { head += "Accept: application/json\r\n" }
        head += "Content-Length: \(payload.count)\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        try connection.write(Array((head + "\r\n").utf8) + payload)

        let statusLine = try connection.readLine()
        let parts = statusLine.split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)),
            let status = Int(String(decoding: parts[1], as: UTF8.self))
        else { throw .malformedResponse("status line") }
        var contentLength: Int?
        var chunked = false
        var headers: [(name: String, value: String)] = []
        while true {
            let header = try connection.readLine()
            if header.isEmpty { break }
            let text = String(decoding: header, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { throw .malformedResponse("header line") }
            let name = text[..<colon].lowercased()
            let value = text[text.index(after: colon)...].trimmingSpaces
            headers.append((name, value))
            if name == "content-length" {
                guard let length = Int(value), length >= 0 else { throw .malformedResponse("content-length") }
                contentLength = length
            } else if name == "transfer-encoding" {
                chunked = value.lowercased().contains("chunked")
            }
        }
        onHead(status, headers)
        if chunked {
            while true {
                let sizeLine = String(decoding: try connection.readLine(), as: UTF8.self)
                let sizeText = sizeLine.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0 else {
                    throw .malformedResponse("chunk size")
                }
                if size == 0 { break }
                received(try connection.read(exactly: size))
                guard try connection.readLine().isEmpty else { throw .malformedResponse("chunk end") }
            }
        } else if let contentLength {
            received(try connection.read(exactly: contentLength))
        } else {
            received(try connection.readToEnd())
        }
        return (status, headers)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (no Foundation here).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
