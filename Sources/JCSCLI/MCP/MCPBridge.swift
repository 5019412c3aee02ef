import Sandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The stdio side of one MCP session: forwards lines, remembers the session id and the revision
/// from `initialize`, and answers for the daemon when it is unreachable.
struct MCPBridge: Sendable {
    /// Lines past this are refused without being buffered whole (the daemon takes 1 MiB).
    static let maximumLine = 1 << 20

    let socketPath: String
    let projectId: String
    private var sessionId: String?
    private var protocolVersion: String?

    init(socketPath: String, projectId: String) {
        self.socketPath = socketPath
        self.projectId = projectId
    }

    private var target: String { RequestTarget.path("v1", "projects", projectId, "mcp") }
    private var client: DaemonClient { DaemonClient(socketPath: socketPath) }

    /// False once stdout is gone: nobody is left to answer.
    mutating func forward(_ line: [UInt8]) -> Bool {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
            return true
        }
        let message = try? JSONParser.parse(line)
        var response: DaemonClient.Response
        do {
            response = try post(line)
            // A daemon restart forgets sessions (404); the server is stateless, so the session is
            // dropped and the message sent once more without it rather than failing the client.
            if response.status == 404, sessionId != nil {
                printError("jcs mcp: the daemon no longer knows session \(sessionId ?? ""); continuing without it")
                sessionId = nil
                response = try post(line)
            }
        } catch {
            return unreachable(message, error)
        }
        if message?["method"]?.stringValue == "initialize" {
            if let id = response.header("Mcp-Session-Id") { sessionId = id }
            if let version = (try? JSONParser.parse(response.body))?["result"]?["protocolVersion"]?.stringValue {
                protocolVersion = version
            }
        }
        var body = response.body
        while let last = body.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { body.removeLast() }
        if body.isEmpty { return true }
        // Whatever the daemon answered is JSON-RPC (its MCP route never uses the API's error
        // shape), except a route-level refusal such as an unknown path: that becomes one here.
        if let parsed = try? JSONParser.parse(body), parsed["jsonrpc"] != nil {
            return writeLine(body)
        }
        printError("jcs mcp: the daemon answered \(response.status): \(String(decoding: body, as: UTF8.self))")
        guard let id = Self.requestId(message) else { return true }
        let text = String(decoding: body, as: UTF8.self)
        return writeLine(Self.error(-32603, "the daemon answered \(response.status): \(text)", id: id))
    }

    /// Whether `line` is a `tools/call` request, which the bridge runs concurrently.
    static func isToolCall(_ line: [UInt8]) -> Bool {
        guard let message = try? JSONParser.parse(line) else { return false }
        return message["method"]?.stringValue == "tools/call" && message["id"] != nil
    }

    mutating func refuseTooLong() -> Bool {
        printError("jcs mcp: a message exceeds \(Self.maximumLine) bytes; refused")
        return writeLine(Self.error(-32600, "the message exceeds \(Self.maximumLine) bytes", id: .null))
    }

    /// DELETE, so the daemon forgets the session now rather than when it is evicted.
    func endSession() {
        guard let sessionId else { return }
        _ = try? client.send("DELETE", target, rawBody: nil, headers: [("Mcp-Session-Id", sessionId)])
    }

    private func post(_ line: [UInt8]) throws(DaemonClientError) -> DaemonClient.Response {
        var headers: [(String, String)] = []
        if let sessionId { headers.append(("Mcp-Session-Id", sessionId)) }
        if let protocolVersion { headers.append(("MCP-Protocol-Version", protocolVersion)) }
        return try client.send("POST", target, rawBody: line, headers: headers)
    }

    private func unreachable(_ message: JSONValue?, _ error: DaemonClientError) -> Bool {
        let text = "daemon unreachable at \(socketPath): \(error) (start it with `jcs serve`)"
        printError("jcs mcp: \(text)")
        // Notifications and responses get no answer, as always; anything else, even unreadable
        // JSON, gets the error, with null id when the id could not be read.
        if let message, message["method"] != nil, message["id"] == nil { return true }
        if let message, message["method"] == nil, message["result"] != nil || message["error"] != nil { return true }
        return writeLine(Self.error(-32000, text, id: Self.requestId(message) ?? .null))
    }

    private static func requestId(_ message: JSONValue?) -> JSONValue? {
        guard let id = message?["id"] else { return nil }
        switch id {
        case .string, .int, .uint: return id
        default: return nil
        }
    }

    private static func error(_ code: Int64, _ message: String, id: JSONValue) -> [UInt8] {
        JSONWriter.bytes(["jsonrpc": "2.0", "id": id, "error": ["code": .int(code), "message": .string(message)]])
    }

    /// Serializes whole lines on stdout: `tools/call`s answer from threads of their own.
    private static let stdout = Mutex(())

    /// One line on stdout, written through at once (no stdio buffer to flush) and never
    /// interleaved with another; false when the client closed its end.
    private func writeLine(_ bytes: [UInt8]) -> Bool {
        let line = bytes + [UInt8(ascii: "\n")]
        return Self.stdout.withLock { _ in
            var offset = 0
            while offset < line.count {
                let n = line[offset...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
    }
}
