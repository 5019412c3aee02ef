import Sandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The stdio side of one MCP session: forwards lines, remembers the session id and the revision
/// from `initialize`, and answers for the daemon when it is unreachable. A `tools/call` is
/// answered as SSE (progress notifications, then the result), each event written out as its own
/// line as it arrives; `listen` forwards the session's server notifications (`list_changed`).
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
        var streamed = Streamed()
        do {
            response = try post(line, streamed: &streamed)
            // A daemon restart forgets sessions (404); the server is stateless, so the session is
            // dropped and the message sent once more without it rather than failing the client.
            if response.status == 404, sessionId != nil {
                printError("jcs mcp: the daemon no longer knows session \(sessionId ?? ""); continuing without it")
                sessionId = nil
                response = try post(line, streamed: &streamed)
            }
        } catch {
            return unreachable(message, error)
        }
        // An SSE answer was written out event by event as it came; one cut before the answer (the
        // daemon stopped) still gets one, so the client is not left waiting.
        if Self.isEventStream(response) {
            guard streamed.clientOpen else { return false }
            guard !streamed.answered, let id = Self.requestId(message) else { return true }
            printError("jcs mcp: the daemon's stream ended before the answer")
            return writeLine(Self.error(-32603, "the daemon's stream ended before the answer", id: id))
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

    var hasSession: Bool { sessionId != nil }

    /// The session's stream of server notifications (GET), each written out as a line, until the
    /// daemon ends it: the session ended (`endSession`), was forgotten, or the daemon stopped.
    /// Runs on a thread of its own; returns at once without a session.
    func listen() {
        guard let sessionId else { return }
        var headers = [("Accept", "text/event-stream"), ("Mcp-Session-Id", sessionId)]
        if let protocolVersion { headers.append(("MCP-Protocol-Version", protocolVersion)) }
        var events = MCPEventStreamReader()
        var status = 0
        var refusal: [UInt8] = []
        var clientOpen = true
        do {
            _ = try client.exchange(
                "GET", target, rawBody: nil, headers: headers, head: { code, _ in status = code },
                body: { bytes in
                    guard status == 200 else {
                        if refusal.count < 4096 { refusal += bytes.prefix(4096 - refusal.count) }
                        return
                    }
                    for data in events.feed(bytes) where clientOpen { clientOpen = writeLine(data) }
                })
        } catch {
            printError("jcs mcp: the notification stream of session \(sessionId) ended: \(error)")
            return
        }
        if status != 200 {
            printError("jcs mcp: the daemon refused the notification stream (\(status)): \(String(decoding: refusal, as: UTF8.self))")
        }
        if events.droppedOversized > 0 {
            printError("jcs mcp: \(events.droppedOversized) notification(s) over \(events.maximumEvent) bytes dropped")
        }
    }

    /// What became of an SSE answer written out as it came.
    private struct Streamed {
        var clientOpen = true
        /// A response (an event with an `id`) was among the events.
        var answered = false
    }

    /// POSTs `line`, accepting an SSE answer (the daemon streams `tools/call`s): its events are
    /// written out as they arrive and the returned body is empty. A JSON answer comes back whole.
    private func post(_ line: [UInt8], streamed: inout Streamed) throws(DaemonClientError) -> DaemonClient.Response {
        var headers: [(String, String)] = [("Accept", "application/json, text/event-stream")]
        if let sessionId { headers.append(("Mcp-Session-Id", sessionId)) }
        if let protocolVersion { headers.append(("MCP-Protocol-Version", protocolVersion)) }
        var response = DaemonClient.Response(status: 0, body: [])
        var events: MCPEventStreamReader?
        var outcome = Streamed()
        _ = try client.exchange(
            "POST", target, rawBody: line, headers: headers,
            head: { status, received in
                response.status = status
                response.headers = received
                if Self.isEventStream(response) { events = MCPEventStreamReader() }
            },
            body: { bytes in
                guard events != nil else {
                    response.body += bytes
                    return
                }
                for data in events!.feed(bytes) where outcome.clientOpen {
                    if !outcome.answered, (try? JSONParser.parse(data))?["id"] != nil { outcome.answered = true }
                    outcome.clientOpen = writeLine(data)
                }
            })
        if let dropped = events?.droppedOversized, dropped > 0 {
            printError("jcs mcp: \(dropped) message(s) over \(MCPEventStreamReader().maximumEvent) bytes dropped")
        }
        streamed = outcome
        return response
    }

    private static func isEventStream(_ response: DaemonClient.Response) -> Bool {
        response.status == 200 && response.header("content-type")?.lowercased().hasPrefix("text/event-stream") == true
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
