import Sandbox

/// The A2A 1.0 JSON-RPC errors, as `JSONRPCError`s the official SDK maps back to its own
/// exception types: the code picks the type (`TaskNotFoundError` for -32001, …), and `data` is the
/// list of typed details A2A 1.0 specifies, led by a `google.rpc.ErrorInfo` whose `reason` is the
/// A2A reason and whose `metadata` (string values only) names the field or the refusal.
enum A2AError {
    static let taskNotFound: Int64 = -32001
    static let taskNotCancelable: Int64 = -32002
    static let unsupportedOperation: Int64 = -32004
    static let contentTypeNotSupported: Int64 = -32005
    static let versionNotSupported: Int64 = -32009
    /// Not A2A's: the path names no running project (answered with HTTP 404 as well).
    static let unknownProject: Int64 = -32020
    /// Not A2A's: the engine refused the message (`data` names its code: a full conversation
    /// queue, the conversation budget, a stopped project).
    static let refused: Int64 = -32021

    static let errorInfoType = "type.googleapis.com/google.rpc.ErrorInfo"
    static let domain = "a2a-protocol.org"

    /// An error with A2A's typed details. `metadata` values are strings, as ErrorInfo requires.
    static func make(
        _ code: Int64, _ message: String, metadata: [String: String] = [:], id: JSONRPCID?
    ) -> JSONRPCError {
        let info: JSONValue = [
            "@type": .string(errorInfoType), "reason": .string(reason(code)), "domain": .string(domain),
            "metadata": .object(metadata.mapValues(JSONValue.string)),
        ]
        return JSONRPCError(code, message, data: [info], id: id)
    }

    static func invalidParams(field: String, _ message: String, id: JSONRPCID?) -> JSONRPCError {
        make(JSONRPCError.invalidParams, "invalid params: \(message)", metadata: ["field": field], id: id)
    }

    static func invalidRequest(field: String?, _ message: String, id: JSONRPCID?) -> JSONRPCError {
        make(JSONRPCError.invalidRequest, "invalid request: \(message)", metadata: field.map { ["field": $0] } ?? [:], id: id)
    }

    static func taskNotFound(_ taskId: String, id: JSONRPCID) -> JSONRPCError {
        make(taskNotFound, "task not found: no conversation '\(taskId)' in this project", metadata: ["task_id": taskId], id: id)
    }

    /// The reasons of A2A 1.0's ErrorInfo, per code.
    static func reason(_ code: Int64) -> String {
        switch code {
        case taskNotFound: "TASK_NOT_FOUND"
        case taskNotCancelable: "TASK_NOT_CANCELABLE"
        case unsupportedOperation: "UNSUPPORTED_OPERATION"
        case contentTypeNotSupported: "CONTENT_TYPE_NOT_SUPPORTED"
        case versionNotSupported: "VERSION_NOT_SUPPORTED"
        case JSONRPCError.invalidParams: "INVALID_PARAMS"
        case JSONRPCError.invalidRequest: "INVALID_REQUEST"
        case JSONRPCError.methodNotFound: "METHOD_NOT_FOUND"
        case JSONRPCError.parseError: "PARSE_ERROR"
        case unknownProject: "UNKNOWN_PROJECT"
        case refused: "REFUSED"
        default: "INTERNAL_ERROR"
        }
    }
}
