import CodeServer
import Hummingbird
import NIOCore
import Sandbox

/// `/v1/projects/:project/mcp`: the MCP Streamable HTTP transport, JSON answers only (no SSE).
/// One JSON-RPC message per POST; a request is answered 200 with its response, anything else 202.
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
    static let versionHeader = "MCP-Protocol-Version"

    func add(to router: Router<DaemonContext>) {
        router.post("/v1/projects/:project/mcp") { request, context in
            try await post(request, projectId: context.parameters.path("project"))
        }
        router.delete("/v1/projects/:project/mcp") { request, context in
            try end(request, projectId: context.parameters.path("project"))
        }
        // The server never starts a stream of its own (no server-to-client requests or
        // notifications), which the specification answers with 405.
        router.get("/v1/projects/:project/mcp") { _, _ in
            var response = Self.json(
                JSONRPCError(JSONRPCError.invalidRequest, "this server offers no server-initiated stream; POST messages").json,
                status: .methodNotAllowed)
            response.headers[.allow] = "POST, DELETE"
            return response
        }
    }

    private func post(_ request: Request, projectId: String) async throws -> Response {
        if JSONBody.declaresTooMuch(request) { return Self.tooLarge() }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: JSONBody.maximumBytes)
        } catch is NIOTooManyBytesError {
            return Self.tooLarge()
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return Self.tooLarge()
        }
        let incoming: MCPIncoming
        do {
            incoming = try MCPIncoming.parse(Array(buffer.readableBytesView))
        } catch {
            // Params that are not an object still belong to a readable request, which gets its
            // answer like any other -32602; only unreadable messages are a 400.
            return Self.json(error.json, status: error.code == JSONRPCError.invalidParams ? .ok : .badRequest)
        }
        var requestId: JSONRPCID?
        var isInitialize = false
        if case .request(let id, let method, _) = incoming {
            requestId = id
            isInitialize = method == "initialize"
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
