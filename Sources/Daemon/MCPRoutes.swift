import CodeServer
import Hummingbird
import NIOCore
import Sandbox

/// `/v1/projects/:project/mcp`: the MCP Streamable HTTP transport. One JSON-RPC message per POST;
/// a request is answered 200 with its response, anything else 202. A `tools/call` from a client
/// that accepts `text/event-stream` is answered as an SSE stream: its progress notifications,
/// then its result; every other answer is JSON. GET opens the session's stream of server
/// notifications (`*/list_changed` when the assets reload).
/// Errors here are JSON-RPC errors, never the API's `{"error": …}` shape, because MCP clients
/// parse every body as JSON-RPC: that is why the body is read here rather than with `JSONBody`.
struct MCPRoutes {
    let server: MCPServer
    let sessions: MCPSessions
    let refusals: RefusalLog

    init(runtime: Runtime) {
        server = MCPServer(runtime: runtime)
        sessions = runtime.mcpSessions
        refusals = runtime.refusals
    }

    static let sessionHeader = "Mcp-Session-Id"
    /// Unwritten events a session's GET stream keeps for a slow reader (oldest dropped first).
    static let notificationBuffer = 64
    /// Unwritten events a `tools/call` stream keeps; its result is the newest, so never dropped.
    static let callStreamBuffer = 256
    static let versionHeader = "MCP-Protocol-Version"

    func add(to router: Router<DaemonContext>) {
        router.post("/v1/projects/:project/mcp") { request, context in
            try await post(request, projectId: context.parameters.path("project"), channel: context.channel)
        }
        router.delete("/v1/projects/:project/mcp") { request, context in
            try end(request, projectId: context.parameters.path("project"))
        }
        router.get("/v1/projects/:project/mcp") { request, context in
            try notifications(request, projectId: context.parameters.path("project"), channel: context.channel)
        }
    }

    /// GET: the session's stream of server notifications, until the session ends, the client
    /// leaves or the daemon shuts down. One per session: a new GET replaces the old stream.
    private func notifications(_ request: Request, projectId: String, channel: any Channel) throws -> Response {
        guard Self.acceptsEventStream(request) else {
            let error = JSONRPCError(
                JSONRPCError.invalidRequest, "GET opens the session's notification stream: send 'Accept: text/event-stream'",
                data: ["field": "Accept"])
            return Self.json(error.json, status: .notAcceptable)
        }
        guard let given = request.headers[.init(Self.sessionHeader)!] else {
            let error = JSONRPCError(
                JSONRPCError.invalidRequest, "GET needs the Mcp-Session-Id header: notifications belong to a session (initialize first)",
                data: ["field": "Mcp-Session-Id"])
            return Self.json(error.json, status: .badRequest)
        }
        let stream = SSEStream(capacity: Self.notificationBuffer)
        guard sessions.attach(stream, to: given, projectId: projectId) else {
            return Self.json(Self.unknownSession(given, id: nil).json, status: .notFound)
        }
        let sessions = sessions
        let refusals = refusals
        return SSEResponse.response(stream, channel: channel) {
            sessions.detach(stream, from: given)
            Self.reportDrops(stream, refusals: refusals, projectId: projectId, kind: "notifications")
        }
    }

    /// A slow reader's lost events, said once when its stream ends (the log is rate-limited).
    private static func reportDrops(_ stream: SSEStream, refusals: RefusalLog, projectId: String, kind: String) {
        let dropped = stream.dropped
        guard dropped > 0 else { return }
        refusals.refused(
            event: "mcp.stream_dropped", reason: "slow_reader", message: "MCP stream events dropped for a slow reader",
            metadata: [
                "event": "mcp.stream_dropped", "reason": "slow_reader", "stream": "\(kind)", "project_id": "\(projectId)",
                "dropped": "\(dropped)", "buffer": "\(stream.capacity)",
            ])
    }

    /// Whether the client's Accept lists `text/event-stream` (parameters and case ignored).
    static func acceptsEventStream(_ request: Request) -> Bool {
        request.headers[values: .accept].contains { value in
            value.split(separator: ",").contains { range in
                let type = range.split(separator: ";").first ?? ""
                return type.filter { $0 != " " && $0 != "\t" }.lowercased() == "text/event-stream"
            }
        }
    }

    private func post(_ request: Request, projectId: String, channel: any Channel) async throws -> Response {
        guard let bytes = try await JSONBody.boundedBytes(of: request) else { return Self.tooLarge() }
        let incoming: MCPIncoming
        do {
            incoming = try MCPIncoming.parse(bytes)
        } catch {
            // Params that are not an object still belong to a readable request, which gets its
            // answer like any other -32602; only unreadable messages are a 400.
            return Self.json(error.json, status: error.code == JSONRPCError.invalidParams ? .ok : .badRequest)
        }
        var requestId: JSONRPCID?
        var isInitialize = false
        var isToolCall = false
        if case .request(let id, let method, _) = incoming {
            requestId = id
            isInitialize = method == "initialize"
            isToolCall = method == "tools/call"
        }
        if let version = request.headers[.init(Self.versionHeader)!], !MCPProtocolVersion.supported.contains(version) {
            let error = JSONRPCError(
                JSONRPCError.invalidRequest,
                "unsupported MCP-Protocol-Version '\(version)' (supported: \(MCPProtocolVersion.supported.joined(separator: ", ")))",
                data: ["field": "MCP-Protocol-Version"], id: requestId)
            return Self.json(error.json, status: .badRequest)
        }
        // A session is optional (the server is stateless), but a session id that is sent must be
        // known: 404 tells the client to initialize again, e.g. after a daemon restart.
        var sessionId: String?
        if !isInitialize, let given = request.headers[.init(Self.sessionHeader)!] {
            // Held busy while this message is handled: a session with a call in flight is never
            // evicted, so its `notifications/cancelled` always finds the call.
            guard sessions.begin(given, projectId: projectId) else {
                return Self.json(Self.unknownSession(given, id: requestId).json, status: .notFound)
            }
            sessionId = given
        }
        if isToolCall, Self.acceptsEventStream(request) {
            return streamedCall(incoming, origin: MCPServer.Origin(projectId: projectId, sessionId: sessionId), channel: channel)
        }
        defer { if let sessionId { sessions.done(sessionId) } }
        let reply = await server.handle(incoming, from: MCPServer.Origin(projectId: projectId, sessionId: sessionId))
        guard let message = reply.message else {
            return Response(status: .accepted)
        }
        if isInitialize, let version = reply.negotiatedVersion {
            switch sessions.create(projectId: projectId, protocolVersion: version) {
            case .success(let session):
                var response = Self.json(message)
                response.headers[.init(Self.sessionHeader)!] = session.id
                return response
            case .failure(let refusal):
                refusals.refused(
                    event: "daemon.budget_refused", reason: refusal.budget.rawValue, message: "budget full",
                    metadata: [
                        "event": "daemon.budget_refused", "budget": "\(refusal.budget.rawValue)",
                        "path": "\(request.uri.path)", "project_id": "\(projectId)",
                    ])
                let error = JSONRPCError(
                    JSONRPCError.resourceExhausted, refusal.message,
                    data: ["error": "resource_exhausted", "budget": .string(refusal.budget.rawValue)], id: requestId)
                return Self.json(error.json, status: refusal.budget.isShared ? .serviceUnavailable : .tooManyRequests)
            }
        }
        return Self.json(message)
    }

    /// A `tools/call` answered as SSE: `notifications/progress` as the call runs (when the request
    /// carried a progress token), then the result, then the stream ends. The call runs on its own
    /// task: a client that leaves has not cancelled (the specification says so; it sends
    /// `notifications/cancelled`), and its session stays busy, so never evicted, until the call
    /// is done.
    private func streamedCall(_ incoming: MCPIncoming, origin: MCPServer.Origin, channel: any Channel) -> Response {
        let stream = SSEStream(capacity: Self.callStreamBuffer)
        var streaming = origin
        streaming.notify = { _ = stream.send(MCPNotification.message($0)) }
        let (server, sessions, callOrigin) = (server, sessions, streaming)
        Task {
            let reply = await server.handle(incoming, from: callOrigin)
            if let session = callOrigin.sessionId { sessions.done(session) }
            if let message = reply.message { stream.send(MCPNotification.message(message)) }
            stream.finish()
        }
        let refusals = refusals
        return SSEResponse.response(stream, channel: channel) {
            Self.reportDrops(stream, refusals: refusals, projectId: origin.projectId, kind: "tools/call")
        }
    }

    private func end(_ request: Request, projectId: String) throws -> Response {
        guard let given = request.headers[.init(Self.sessionHeader)!] else {
            let error = JSONRPCError(
                JSONRPCError.invalidRequest, "DELETE needs the Mcp-Session-Id header of the session to end",
                data: ["field": "Mcp-Session-Id"])
            return Self.json(error.json, status: .badRequest)
        }
        guard sessions.end(given, projectId: projectId) else {
            return Self.json(Self.unknownSession(given, id: nil).json, status: .notFound)
        }
        return Response(status: .noContent)
    }

    private static func unknownSession(_ id: String, id requestId: JSONRPCID?) -> JSONRPCError {
        JSONRPCError(
            JSONRPCError.invalidRequest, "unknown or expired session '\(id)': initialize again",
            data: ["field": "Mcp-Session-Id"], id: requestId)
    }

    private static func tooLarge() -> Response {
        var response = json(
            JSONRPCError(JSONRPCError.invalidRequest, "the message exceeds \(JSONBody.maximumBytes) bytes").json,
            status: .contentTooLarge)
        // Closed without reading the rest (`ConnectionGuard`).
        response.headers[.connection] = "close"
        return response
    }

    private static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(value) + [UInt8(ascii: "\n")])))
    }
}
