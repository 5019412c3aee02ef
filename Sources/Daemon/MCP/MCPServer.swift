import CodeServer
import Sandbox

/// The MCP server's methods over one project, independent of the transport: a classified message
/// in, the JSON-RPC answer (or none) out. Stateless by design: any request may come before
/// `initialize`, since every answer depends only on the project, never on the session.
/// Beyond tools, the project's skills are prompts (`MCPPrompts`) and its assets resources
/// (`MCPResources`); all three lists announce changes (`MCPListChangedFeed`).
struct MCPServer: Sendable {
    let runtime: Runtime

    static let serverName = "jcs"
    static let serverVersion = "0.1.0"

    /// Where a message came from: the project of the endpoint, and the session when there is one.
    struct Origin: Sendable {
        var projectId: String
        var sessionId: String?
        /// Where notifications about this request go (its SSE stream); nil for a JSON answer.
        var notify: (@Sendable (JSONValue) -> Void)?
    }

    struct Reply: Sendable {
        /// Nil for a notification or a client's response: nothing is sent back.
        var message: JSONValue?
        /// Set by a successful `initialize`: the revision agreed, for the transport's session.
        var negotiatedVersion: String?
    }

    /// Calls in flight per session, for `notifications/cancelled`.
    let running = MCPRunningCalls()

    func handle(_ incoming: MCPIncoming, from origin: Origin) async -> Reply {
        if case .notification("notifications/cancelled", let params) = incoming {
            cancel(params, origin: origin)
            return Reply(message: nil)
        }
        guard case .request(let id, let method, let params) = incoming else { return Reply(message: nil) }
        do throws(JSONRPCError) {
            switch method {
            case "initialize":
                let (result, version) = try await initialize(params, id: id, origin: origin)
                return Reply(message: JSONRPCResponse.result(result, id: id), negotiatedVersion: version)
            case "ping":
                return Reply(message: JSONRPCResponse.result([:], id: id))
            case "tools/list":
                return Reply(message: JSONRPCResponse.result(try await listTools(params, id: id, origin: origin), id: id))
            case "tools/call":
                return Reply(message: JSONRPCResponse.result(try await callTool(params, id: id, origin: origin), id: id))
            case "prompts/list":
                let snapshot = try await assets(params, method: method, id: id, origin: origin).snapshot
                return Reply(message: JSONRPCResponse.result(MCPPrompts.list(snapshot), id: id))
            case "prompts/get":
                let snapshot = try await assets(params, method: method, id: id, origin: origin).snapshot
                return Reply(message: JSONRPCResponse.result(try MCPPrompts.get(params, snapshot: snapshot, id: id), id: id))
            case "resources/list":
                let snapshot = try await assets(params, method: method, id: id, origin: origin).snapshot
                return Reply(message: JSONRPCResponse.result(MCPResources.list(snapshot, projectId: origin.projectId), id: id))
            case "resources/templates/list":
                _ = try await assets(params, method: method, id: id, origin: origin)
                return Reply(message: JSONRPCResponse.result(MCPResources.templates(projectId: origin.projectId), id: id))
            case "resources/read":
                return Reply(message: JSONRPCResponse.result(try await readResource(params, id: id, origin: origin), id: id))
            default:
                throw JSONRPCError(
                    JSONRPCError.methodNotFound, "method not found: '\(method)'", data: ["method": .string(method)], id: id)
            }
        } catch {
            return Reply(message: error.with(id: id).json)
        }
    }

    private func initialize(
        _ params: [String: JSONValue], id: JSONRPCID, origin: Origin
    ) async throws(JSONRPCError) -> (JSONValue, String) {
        guard let requested = params["protocolVersion"]?.stringValue else {
            throw .invalidParams(field: "protocolVersion", "invalid params: 'protocolVersion' must be a string", id: id)
        }
        // Refused here rather than at the first call, so a misconfigured client fails on connect.
        let project = try await project(origin.projectId, id: id)
        let version = MCPProtocolVersion.negotiate(requested)
        let result: JSONValue = [
            "protocolVersion": .string(version),
            // listChanged: a session's GET stream hears `*/list_changed` when the assets reload.
            "capabilities": [
                "tools": ["listChanged": true], "prompts": ["listChanged": true],
                "resources": ["listChanged": true, "subscribe": false],
            ],
            "serverInfo": ["name": .string(Self.serverName), "version": .string(Self.serverVersion)],
            "instructions": .string(
                "Tools of the project '\(project.id)'. Every call runs through the project's policy and a "
                    + "kernel-enforced sandbox; a refused call is a result with isError and the reason code."),
        ]
        return (result, version)
    }

    private func listTools(_ params: [String: JSONValue], id: JSONRPCID, origin: Origin) async throws(JSONRPCError) -> JSONValue {
        if let cursor = params["cursor"], !cursor.isNull, cursor.stringValue == nil {
            throw .invalidParams(field: "cursor", "invalid params: 'cursor' must be a string", id: id)
        }
        let project = try await allowedProject(method: "tools/list", id: id, origin: origin)
        // One page: the catalog is small and sorted, so a cursor is accepted and never needed.
        return MCPToolList.result(project.catalog)
    }

    /// The project's assets for a prompts or resources method, after the allowlist; a cursor is
    /// accepted and never needed (one page), as for tools.
    private func assets(
        _ params: [String: JSONValue], method: String, id: JSONRPCID, origin: Origin
    ) async throws(JSONRPCError) -> ProjectAssets {
        if method.hasSuffix("/list"), let cursor = params["cursor"], !cursor.isNull, cursor.stringValue == nil {
            throw .invalidParams(field: "cursor", "invalid params: 'cursor' must be a string", id: id)
        }
        return try await allowedProject(method: method, id: id, origin: origin).assets
    }

    /// tools/call is refused by the gate itself (a result with protocol_denied); the other
    /// methods have no gate of their own, so the allowlist is applied here, and recorded the same
    /// way.
    private func allowedProject(method: String, id: JSONRPCID, origin: Origin) async throws(JSONRPCError) -> Project {
        let project = try await project(origin.projectId, id: id)
        guard project.options.protocolAllowlist.contains(.mcp) else {
            emitProtocolDenied(project: project.id, method: method, origin: origin, id: id)
            throw JSONRPCError(
                JSONRPCError.protocolDenied,
                "protocol_denied: the project's protocol_allowlist does not include 'mcp'",
                data: ["reason": "protocol_denied", "protocol": "mcp", "project_id": .string(project.id)], id: id)
        }
        return project
    }

    /// `resources/read {uri}`: a URI of another project, with `..`, control bytes or an unknown
    /// kind is -32602 naming the reason; a well-formed URI naming no asset is -32002, the code the
    /// specification gives "resource not found".
    private func readResource(_ params: [String: JSONValue], id: JSONRPCID, origin: Origin) async throws(JSONRPCError) -> JSONValue {
        guard let text = params["uri"]?.stringValue else {
            throw .invalidParams(field: "uri", "invalid params: 'uri' must be a string", id: id)
        }
        let uri: MCPResourceURI
        do throws(MCPResourceURI.Refusal) {
            uri = try MCPResourceURI.parse(text)
        } catch {
            throw .invalidParams(field: "uri", "invalid params: 'uri' \(error.reason)", id: id)
        }
        guard uri.projectId == origin.projectId else {
            throw .invalidParams(
                field: "uri", "invalid params: 'uri' names project '\(uri.projectId)'; this endpoint serves '\(origin.projectId)'",
                id: id)
        }
        let snapshot = try await allowedProject(method: "resources/read", id: id, origin: origin).assets.snapshot
        do throws(MCPResources.ReadError) {
            return try MCPResources.read(uri, in: snapshot)
        } catch {
            switch error {
            case .notFound:
                throw JSONRPCError(
                    JSONRPCError.resourceNotFound, "resource not found: '\(text)'", data: ["uri": .string(text)], id: id)
            case .tooLarge(let bytes):
                throw JSONRPCError(
                    JSONRPCError.resourceExhausted,
                    "resource '\(text)' is \(bytes) bytes, over the \(MCPResources.maximumBytes)-byte cap",
                    data: ["uri": .string(text), "limit": .int(Int64(MCPResources.maximumBytes))], id: id)
            }
        }
    }

    private func callTool(_ params: [String: JSONValue], id: JSONRPCID, origin: Origin) async throws(JSONRPCError) -> JSONValue {
        guard let name = params["name"]?.stringValue else {
            throw .invalidParams(field: "name", "invalid params: 'name' must be a string", id: id)
        }
        var arguments: JSONValue = [:]
        if let given = params["arguments"], !given.isNull {
            guard given.objectValue != nil else {
                throw .invalidParams(field: "arguments", "invalid params: 'arguments' must be an object", id: id)
            }
            arguments = given
        }
        var correlationId: String?
        var progressToken: JSONRPCID?
        if let meta = params["_meta"], !meta.isNull {
            guard meta.objectValue != nil else {
                throw .invalidParams(field: "_meta", "invalid params: '_meta' must be an object", id: id)
            }
            if let given = meta["correlation_id"], !given.isNull {
                guard let text = given.stringValue, !text.isEmpty else {
                    throw .invalidParams(
                        field: "_meta.correlation_id", "invalid params: '_meta.correlation_id' must be a non-empty string",
                        id: id)
                }
                correlationId = text
            }
            progressToken = try MCPProgress.token(in: meta, id: id)
        }
        let project = try await project(origin.projectId, id: id)
        // The same gate as every other face: an unknown tool, a denial or a timeout is a result.
        let call = ToolCall(
            tool: name, arguments: arguments,
            correlationId: correlationId ?? Self.correlationId(origin: origin, id: id), gateway: .mcp)
        // Progress only where it can be sent: the request's own SSE stream.
        let progress = progressToken.flatMap { token in origin.notify.map { MCPProgress(token: token, notify: $0) } }
        var observer: (@Sendable (CallProgress) -> Void)?
        if let progress { observer = { progress.observe($0) } }
        let handle = CallHandle(observer: observer)
        let key = origin.sessionId.map { MCPRunningCalls.Key(session: $0, request: id) }
        if let key { running.register(key, handle) }
        defer { if let key { running.finish(key) } }
        progress?.started(tool: name)
        let result = await project.execute(call, handle: handle)
        progress?.done(result)
        return MCPCallResult.from(result)
    }

    /// `notifications/cancelled {requestId}`: kills the sandbox of that request's `tools/call` in
    /// the same session. Its answer still goes out (HTTP needs one) and says `cancelled`; a client
    /// that cancelled ignores it. Outside a session nothing is cancelled (see `MCPRunningCalls`).
    private func cancel(_ params: [String: JSONValue], origin: Origin) {
        guard let session = origin.sessionId, let raw = params["requestId"], let request = JSONRPCID(raw) else { return }
        running.cancel(MCPRunningCalls.Key(session: session, request: request))
    }

    /// `mcp-<session>-<request id>`, or a random tag outside a session, so the incident timeline
    /// of one MCP session reads as one run of requests.
    static func correlationId(origin: Origin, id: JSONRPCID) -> String {
        let tag = origin.sessionId.map { String($0.prefix(16)) } ?? String(Identifier.make("r").dropFirst(2).prefix(16))
        return "mcp-\(tag)-\(id.text)"
    }

    private func project(_ projectId: String, id: JSONRPCID) async throws(JSONRPCError) -> Project {
        do {
            return try await runtime.project(projectId)
        } catch {
            throw JSONRPCError(
                JSONRPCError.unknownProject, error.message,
                data: ["error": .string(error.code.text), "project_id": .string(projectId)], id: id)
        }
    }

    private func emitProtocolDenied(project: String, method: String, origin: Origin, id: JSONRPCID) {
        // No session id: the journal keeps events, and a session id is what a client presents.
        let denied = SecurityFinding(
            reason: ReasonCode.protocolDenied.rawValue,
            evidence: ["project_id": .string(project), "protocol": "mcp", "method": .string(method)])
        // Through the hub's non-throwing face, as the runtime's own events go: a store failure
        // cannot change the answer, and the hub counts it.
        let sink: any RuntimeEventSink = runtime.hub
        sink.emit(
            RuntimeEvent(
                projectId: project, correlationId: Self.correlationId(origin: origin, id: id), atMs: SystemClock().nowMs(),
                payload: .protocolDenied(denied)))
    }
}
