import Sandbox

/// A JSON-RPC error object, and the answer that carries it. The codes are JSON-RPC 2.0's own plus
/// the few this server defines in the implementation range (-32000 to -32099).
struct JSONRPCError: Error, Sendable, Equatable {
    var code: Int64
    var message: String
    var data: JSONValue?
    /// The request it answers; nil when the id could not be read (then `id` is null on the wire).
    var id: JSONRPCID?

    static let parseError: Int64 = -32700
    static let invalidRequest: Int64 = -32600
    static let methodNotFound: Int64 = -32601
    static let invalidParams: Int64 = -32602
    static let internalError: Int64 = -32603
    /// `jcs mcp` only: the daemon did not answer.
    static let daemonUnreachable: Int64 = -32000
    /// The project's `protocol_allowlist` does not list `mcp`.
    static let protocolDenied: Int64 = -32001
    /// The path names no running project.
    static let unknownProject: Int64 = -32002
    /// `resources/read`: the URI is well formed and names no asset. The specification's own code,
    /// shared with `unknownProject`: both say "the thing you named is not here".
    static let resourceNotFound: Int64 = -32002
    /// A budget of the daemon is full (`data.budget` names its config key): no new session.
    static let resourceExhausted: Int64 = -32003

    init(_ code: Int64, _ message: String, data: JSONValue? = nil, id: JSONRPCID? = nil) {
        self.code = code
        self.message = message
        self.data = data
        self.id = id
    }

    /// -32602 naming the parameter at fault, in the message for people and in `data.field` for code.
    static func invalidParams(field: String, _ message: String, id: JSONRPCID?) -> JSONRPCError {
        JSONRPCError(invalidParams, message, data: ["field": .string(field)], id: id)
    }

    func with(id: JSONRPCID?) -> JSONRPCError {
        var copy = self
        copy.id = id
        return copy
    }

    var json: JSONValue {
        var error: [String: JSONValue] = ["code": .int(code), "message": .string(message)]
        if let data { error["data"] = data }
        return ["jsonrpc": "2.0", "id": id?.json ?? .null, "error": .object(error)]
    }
}

enum JSONRPCResponse {
    static func result(_ result: JSONValue, id: JSONRPCID) -> JSONValue {
        ["jsonrpc": "2.0", "id": id.json, "result": result]
    }
}
