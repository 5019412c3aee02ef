import Sandbox

/// One JSON-RPC request of the A2A binding, read strictly. A2A has no notifications and this
/// server takes no batches, so every acceptable message is an object with `jsonrpc: "2.0"`, an id
/// (string or integer), a method and object params; anything else is the JSON-RPC error to answer
/// with (-32700 unreadable, -32600 not a request, -32602 params not an object).
struct A2AIncoming: Sendable, Equatable {
    var id: JSONRPCID
    var method: String
    var params: [String: JSONValue]

    static func parse(_ bytes: [UInt8]) throws(JSONRPCError) -> A2AIncoming {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw A2AError.make(JSONRPCError.parseError, "parse error: \(error)", id: nil)
        }
        if value.arrayValue != nil {
            throw A2AError.invalidRequest(field: nil, "batches are not supported; send one request per POST", id: nil)
        }
        guard let object = value.objectValue else {
            throw A2AError.invalidRequest(field: nil, "a request must be a JSON object", id: nil)
        }
        // The id first, so every later refusal can still name the request it answers.
        guard let rawId = object["id"], !rawId.isNull else {
            throw A2AError.invalidRequest(field: "id", "'id' is required (A2A has no notifications)", id: nil)
        }
        guard let id = JSONRPCID(rawId) else {
            throw A2AError.invalidRequest(field: "id", "'id' must be a string or an integer", id: nil)
        }
        guard object["jsonrpc"]?.stringValue == "2.0" else {
            throw A2AError.invalidRequest(field: "jsonrpc", "'jsonrpc' must be \"2.0\"", id: id)
        }
        guard let rawMethod = object["method"] else {
            throw A2AError.invalidRequest(field: "method", "'method' is missing", id: id)
        }
        guard let method = rawMethod.stringValue, !method.isEmpty else {
            throw A2AError.invalidRequest(field: "method", "'method' must be a non-empty string", id: id)
        }
        var params: [String: JSONValue] = [:]
        if let rawParams = object["params"], !rawParams.isNull {
            guard let members = rawParams.objectValue else {
                throw A2AError.invalidParams(field: "params", "'params' must be an object", id: id)
            }
            params = members
        }
        return A2AIncoming(id: id, method: method, params: params)
    }
}
