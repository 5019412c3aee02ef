import Sandbox

/// One message a client sent, classified. Batches (JSON arrays) are refused: MCP 2025-06-18
/// removed them, and one message per POST keeps the HTTP status meaningful.
enum MCPIncoming: Sendable, Equatable {
    case request(id: JSONRPCID, method: String, params: [String: JSONValue])
    /// No answer is ever sent to a notification, even an unknown or malformed one; params that
    /// are not an object read as none.
    case notification(method: String, params: [String: JSONValue])
    /// A client's answer to a server-to-client request; this server sends none, so it is dropped.
    case response

    /// Parses and classifies `bytes`; throws the JSON-RPC error to answer with (-32700, -32600,
    /// or -32602 for params that are not an object).
    static func parse(_ bytes: [UInt8]) throws(JSONRPCError) -> MCPIncoming {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw JSONRPCError(JSONRPCError.parseError, "parse error: \(error)")
        }
        return try classify(value)
    }

    static func classify(_ value: JSONValue) throws(JSONRPCError) -> MCPIncoming {
        if value.arrayValue != nil {
            throw JSONRPCError(
                JSONRPCError.invalidRequest, "invalid request: batches are not supported (MCP 2025-06-18 removed them)")
        }
        guard let object = value.objectValue else {
            throw JSONRPCError(JSONRPCError.invalidRequest, "invalid request: a message must be a JSON object")
        }
        // The id is read first so that every later refusal can still name the request it answers.
        var id: JSONRPCID?
        if let rawId = object["id"] {
            guard let valid = JSONRPCID(rawId) else {
                throw JSONRPCError(
                    JSONRPCError.invalidRequest, "invalid request: 'id' must be a string or an integer",
                    data: ["field": "id"])
            }
            id = valid
        }
        guard object["jsonrpc"]?.stringValue == "2.0" else {
            throw JSONRPCError(
                JSONRPCError.invalidRequest, "invalid request: 'jsonrpc' must be \"2.0\"", data: ["field": "jsonrpc"], id: id)
        }
        guard let rawMethod = object["method"] else {
            if id != nil, object["result"] != nil || object["error"] != nil { return .response }
            throw JSONRPCError(
                JSONRPCError.invalidRequest, "invalid request: 'method' is missing", data: ["field": "method"], id: id)
        }
        guard let method = rawMethod.stringValue else {
            throw JSONRPCError(
                JSONRPCError.invalidRequest, "invalid request: 'method' must be a string", data: ["field": "method"], id: id)
        }
        guard let id else { return .notification(method: method, params: object["params"]?.objectValue ?? [:]) }
        var params: [String: JSONValue] = [:]
        if let rawParams = object["params"], !rawParams.isNull {
            guard let members = rawParams.objectValue else {
                throw JSONRPCError.invalidParams(field: "params", "invalid params: 'params' must be an object", id: id)
            }
            params = members
        }
        return .request(id: id, method: method, params: params)
    }
}
