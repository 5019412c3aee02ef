import Sandbox

/// A JSON-RPC request id. MCP narrows JSON-RPC 2.0 here: an id is a string or an integer, never
/// null, so a client can always match the answer to its request.
enum JSONRPCID: Sendable, Hashable {
    case string(String)
    case int(Int64)

    /// Nil for anything else (null, bool, fraction, object, array), which the caller refuses.
    init?(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .int(number)
        case .uint(let number):
            guard let exact = Int64(exactly: number) else { return nil }
            self = .int(exact)
        default: return nil
        }
    }

    var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .int(let number): .int(number)
        }
    }

    /// The id as it goes into a generated correlation id.
    var text: String {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        }
    }
}
