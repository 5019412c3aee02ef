/// A chat-completions endpoint as the agent loop sees it. The daemon implements it over HTTPS
/// (`OpenAIChatModel`); CodeServer holds no network code, so it never links NIO.
///
/// `complete` streams: `onDelta` gets the answer's text as it arrives (already redacted of the
/// endpoint's secrets only as far as `secrets` lets the caller do it: the loop redacts). It
/// returns the assembled completion or throws a `ChatModelFailure`; cancelling the calling task
/// ends the HTTP request at once.
public protocol ChatModel: Sendable {
    func complete(
        _ request: ChatRequest, onDelta: @escaping @Sendable (String) -> Void
    ) async throws(ChatModelFailure) -> ChatCompletion

    /// Strings that must never leave the daemon (the API key): the loop removes them from
    /// everything the model says before it is journaled, emitted or fed back.
    var secrets: [String] { get }
}

/// Why a model request gave no completion.
public enum ChatModelFailure: Error, Sendable, Equatable {
    /// The endpoint answered `status` (not 200); `retryAfterMs` from its `Retry-After`.
    case http(status: Int, retryAfterMs: Int64?, body: String)
    /// No complete answer within `llm_timeout_ms`.
    case timeout
    /// The stream ended before `[DONE]` or a finish reason, or the connection broke.
    case streamCut(String)
    /// The stream was not the chat-completions format (bad SSE, bad JSON, over the bounds).
    case invalidResponse(String)
    /// The request could not be made (connection refused, TLS, no key).
    case transport(String)
    /// The turn was cancelled while the request ran.
    case cancelled

    /// The `llm.failed` reason.
    public var reason: LLMFailureReason {
        switch self {
        case .http(let status, _, _):
            status == 429 ? .rateLimited : status >= 500 ? .serverError : .httpError
        case .timeout: .timeout
        case .streamCut: .streamCut
        case .invalidResponse: .invalidResponse
        case .transport: .transport
        case .cancelled: .cancelled
        }
    }

    /// Whether another attempt may succeed: 429 and 5xx.
    var isRetryable: Bool {
        if case .http(let status, _, _) = self { return status == 429 || status >= 500 }
        return false
    }

    public var detail: String {
        switch self {
        case .http(let status, _, let body): "the endpoint answered HTTP \(status): \(body)"
        case .timeout: "no complete answer within llm_timeout_ms"
        case .streamCut(let why): "the stream ended early: \(why)"
        case .invalidResponse(let why): "not a chat-completions stream: \(why)"
        case .transport(let why): why
        case .cancelled: "cancelled"
        }
    }
}

/// The closed list of `llm.failed` reasons (`jcs_llm_failures_total{reason}`).
public enum LLMFailureReason: String, Sendable, CaseIterable {
    case rateLimited = "rate_limited"
    case serverError = "server_error"
    case httpError = "http_error"
    case timeout
    case streamCut = "stream_cut"
    case invalidResponse = "invalid_response"
    case transport
    case cancelled
    case maxTurnStepsExceeded = "max_turn_steps_exceeded"
}

/// Builds a project's model from its options: the composition root's choice of transport (the
/// daemon's HTTPS client). Throws the option at fault when the model cannot be used (a key
/// variable that is not set, a URL the client refuses), so the project does not start with a
/// model that could never answer.
public protocol ChatModelProvider: Sendable {
    func model(for options: LLMOptions, projectId: String) throws(OptionError) -> any ChatModel
}
