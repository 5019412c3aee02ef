import Hummingbird
import Sandbox

/// Every refusal of the API, as the client sees it: `{"error": CODE, "field": FIELD?, "message": …}`
/// with a stable code, so scripts match on `error`, never on the message.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// The closed set of wire codes the daemon itself produces. Engine errors keep their own
    /// codes (`unknown_project`, `invalid_runtime_opt`, …) through `Code.engine`.
    public enum Code: Sendable, Equatable {
        /// The body is not JSON (truncated, invalid UTF-8, nesting too deep).
        case invalidJSON
        /// The body is JSON but not an object, or a field has the wrong type or value.
        case invalidField
        /// A body field this route does not take: refused rather than ignored, so a typo never
        /// silently falls back to a default.
        case unknownField
        /// A required field is absent.
        case missingField
        case bodyTooLarge
        case notFound
        case methodNotAllowed
        /// SO_PEERCRED says the caller is neither the daemon's uid nor root.
        case peerRefused
        /// TCP listener: no bearer token, or one the daemon does not know.
        case unauthorized
        /// TCP listener: a known token asking for something outside its scope, or a request
        /// target spelled in a way the scope check does not accept.
        case forbidden
        /// A budget (`DaemonLimits`, the TCP listener's caps) is full; `field` names its config key.
        case resourceExhausted
        /// The request is not valid HTTP/1.1 (a malformed chunk size, a truncated chunked body).
        case malformedRequest
        case `internal`
        /// The journal could not commit what the request did (disk full, file unwritable): the
        /// request is not acknowledged, and health says `degraded` with the reason.
        case storeUnavailable
        /// A code the engine chose (`ProjectError.code`, `ConversationError.code`, …).
        case engine(String)

        public var text: String {
            switch self {
            case .invalidJSON: "invalid_json"
            case .invalidField: "invalid_field"
            case .unknownField: "unknown_field"
            case .missingField: "missing_field"
            case .bodyTooLarge: "body_too_large"
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            case .peerRefused: "peer_refused"
            case .unauthorized: "unauthorized"
            case .forbidden: "forbidden"
            case .resourceExhausted: "resource_exhausted"
            case .malformedRequest: "malformed_request"
            case .internal: "internal"
            case .storeUnavailable: "store_unavailable"
            case .engine(let code): code
            }
        }
    }

    public var code: Code
    public var status: HTTPResponse.Status
    public var field: String?
    public var message: String

    public init(_ code: Code, status: HTTPResponse.Status, field: String? = nil, _ message: String) {
        self.code = code
        self.status = status
        self.field = field
        self.message = message
    }

    /// A full budget: 429 when it is one tenant's share, 503 when it is the daemon's.
    static func exhausted(_ budget: Budget, _ message: String) -> APIError {
        APIError(
            .resourceExhausted, status: budget.isShared ? .serviceUnavailable : .tooManyRequests, field: budget.rawValue,
            "resource_exhausted: \(message) (budget \(budget.rawValue))")
    }

    /// Whether the connection is closed after this answer without reading the rest of the
    /// request: the caller is not admitted (401/403), sent too much (413), or the framing is
    /// broken (a malformed request cannot be resynchronised anyway).
    var closesConnection: Bool {
        status == .unauthorized || status == .forbidden || status == .contentTooLarge || code == .malformedRequest
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["error": .string(code.text), "message": .string(message)]
        if let field { object["field"] = .string(field) }
        return .object(object)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse(json, status: status).response(from: request, context: context)
        // RFC 9110: a 401 names the scheme the client should use.
        if status == .unauthorized { response.headers[.wwwAuthenticate] = #"Bearer realm="jcs""# }
        // `ConnectionGuard` sees this on the way out and closes the connection once the answer
        // is written, without draining the body (a refused 16 GiB body is never read).
        if closesConnection { response.headers[.connection] = "close" }
        return response
    }
}
