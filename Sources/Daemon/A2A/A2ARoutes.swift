import CodeServer
import Hummingbird
import NIOCore
import Sandbox

/// The A2A face of each project: its agent card at `GET /v1/projects/:project/a2a/.well-known/
/// agent-card.json` and the JSON-RPC binding at `POST /v1/projects/:project/a2a`. Both listeners
/// serve it (the TCP listener's token scopes apply before a request gets here), and both are
/// refused, with `security.protocol_denied`, when the project's `protocol_allowlist` lacks `a2a`.
/// Errors of the binding are JSON-RPC errors with HTTP 200, as A2A clients expect; only a body
/// too large (413) and an unknown project (404) also say so in the HTTP status.
struct A2ARoutes {
    let runtime: Runtime
    let server: A2AServer
    let listeners: A2AListeners

    static let versionHeader = "A2A-Version"

    init(runtime: Runtime, listeners: A2AListeners) {
        self.runtime = runtime
        server = A2AServer(runtime: runtime)
        self.listeners = listeners
    }

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/projects/:project/a2a/.well-known/agent-card.json") { request, context in
            try await card(request, context: context)
        }
        router.post("/v1/projects/:project/a2a") { request, context in
            try await post(request, context: context)
        }
    }

    private func card(_ request: Request, context: DaemonContext) async throws -> Response {
        let project = try await runtime.project(context.parameters.path("project"))
        guard project.options.protocolAllowlist.contains(.a2a) else {
            emitProtocolDenied(project: project.id, method: "agent-card", requestId: nil)
            throw APIError(
                .engine(ReasonCode.protocolDenied.rawValue), status: .forbidden,
                "protocol_denied: the project's protocol_allowlist does not include 'a2a'")
        }
        var socketPath = listeners.socketPath
        if socketPath == nil, !context.isRemote, let path = context.channel.localAddress?.pathname { socketPath = path }
        var tcpBase = listeners.tcpBase
        if context.isRemote, let host = request.head.authority, Self.isPlainHost(host) { tcpBase = "http://\(host)" }
        let endpoints = A2AAgentCard.Endpoints(socketPath: socketPath, tcpBase: tcpBase, servedOverTCP: context.isRemote)
        return Self.json(A2AAgentCard.card(project: project, endpoints: endpoints))
    }

    private func post(_ request: Request, context: DaemonContext) async throws -> Response {
        guard let bytes = try await JSONBody.boundedBytes(of: request) else { return Self.tooLarge() }
        let incoming: A2AIncoming
        do {
            incoming = try A2AIncoming.parse(bytes)
        } catch {
            return Self.json(error.json)
        }
        let id = incoming.id
        let projectId = try context.parameters.path("project")
        let project: Project
        do {
            project = try await runtime.engine.project(projectId)
        } catch {
            let refusal = A2AError.make(
                A2AError.unknownProject, "unknown project '\(projectId)'", metadata: ["project_id": projectId], id: id)
            return Self.json(refusal.json, status: .notFound)
        }
        guard project.options.protocolAllowlist.contains(.a2a) else {
            emitProtocolDenied(project: project.id, method: incoming.method, requestId: id)
            let refusal = A2AError.make(
                A2AError.unsupportedOperation, "protocol_denied: the project's protocol_allowlist does not include 'a2a'",
                metadata: ["reason": "protocol_denied", "protocol": "a2a", "project_id": project.id], id: id)
            return Self.json(refusal.json)
        }
        if let version = request.headers[.init(Self.versionHeader)!], !Self.speaks(version) {
            let refusal = A2AError.make(
                A2AError.versionNotSupported, "version not supported: A2A-Version '\(version)'; this agent speaks 1.0",
                metadata: ["field": Self.versionHeader], id: id)
            return Self.json(refusal.json)
        }
        do throws(JSONRPCError) {
            switch incoming.method {
            case "SendMessage":
                let params = try A2AParams.send(incoming.params, id: id)
                let slot = try follower(project: project.id, id: id)
                defer { slot.release() }
                return Self.json(JSONRPCResponse.result(try await server.sendMessage(params, project: project, id: id, channel: context.channel), id: id))
            case "SendStreamingMessage":
                let params = try A2AParams.send(incoming.params, id: id)
                let slot = try follower(project: project.id, id: id)
                let started = try await server.start(params, project: project, id: id)
                return await A2AStream.response(
                    started, id: id, historyLength: params.historyLength, channel: context.channel, slot: slot)
            case "GetTask":
                let query = try A2AParams.task(incoming.params, id: id)
                return Self.json(JSONRPCResponse.result(try await server.getTask(query, project: project, id: id), id: id))
            case "CancelTask":
                let query = try A2AParams.task(incoming.params, id: id)
                return Self.json(JSONRPCResponse.result(try await server.cancelTask(query, project: project, id: id), id: id))
            case let method:
                var message = "method not found: '\(method)' (this agent implements SendMessage, SendStreamingMessage, GetTask, CancelTask)"
                if let current = A2AServer.legacyMethods[method] {
                    message = "method not found: '\(method)' is A2A 0.3; this agent speaks 1.0, where it is '\(current)'"
                }
                throw A2AError.make(JSONRPCError.methodNotFound, message, metadata: ["method": method], id: id)
            }
        } catch {
            return Self.json(error.with(id: id).json)
        }
    }

    /// Waiting for a turn holds a subscription to the project's events: bounded like
    /// `/events?follow=true`, under the same budget.
    private func follower(project: String, id: JSONRPCID) throws(JSONRPCError) -> FollowerSlot {
        do {
            try runtime.followers.acquire(project: project)
        } catch {
            throw A2AError.make(
                A2AError.refused, "resource_exhausted: \(error.message)", metadata: ["reason": "resource_exhausted"], id: id)
        }
        return FollowerSlot(budget: runtime.followers, project: project)
    }

    /// `1.0`, `1.0.3`, `1`: the major version is what must match.
    static func speaks(_ version: String) -> Bool {
        version == "1" || version.hasPrefix("1.")
    }

    /// A Host header fit to go into the card's URL: a name or address and a port, nothing else.
    static func isPlainHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 255
            && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }
    }

    private func emitProtocolDenied(project: String, method: String, requestId: JSONRPCID?) {
        let denied = SecurityFinding(
            reason: ReasonCode.protocolDenied.rawValue,
            evidence: ["project_id": .string(project), "protocol": "a2a", "method": .string(method)])
        // Through the hub's non-throwing face, as the runtime's own events go: a store failure
        // cannot change the answer, and the hub counts it.
        let sink: any RuntimeEventSink = runtime.hub
        sink.emit(
            RuntimeEvent(
                projectId: project, correlationId: requestId.map { "a2a-\($0.text)" }, atMs: SystemClock().nowMs(),
                payload: .protocolDenied(denied)))
    }

    private static func tooLarge() -> Response {
        let error = A2AError.invalidRequest(field: nil, "the request exceeds \(JSONBody.maximumBytes) bytes", id: nil)
        var response = json(error.json, status: .contentTooLarge)
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
