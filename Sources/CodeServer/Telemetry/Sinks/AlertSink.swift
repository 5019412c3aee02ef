/// Somewhere an alert is delivered: the log, a command, a webhook.
///
/// - Important: `deliver` blocks (it writes, spawns, connects); it is only ever called on an
///   `AlertDispatcher`'s own thread, never on the emit path or an actor's executor.
public protocol AlertSink: Sendable {
    /// For stats and errors: `log`, `command`, `webhook`.
    var name: String { get }
    func deliver(_ alert: Alert) throws(AlertDeliveryError)
}

/// Why one delivery attempt failed; `isRetryable` tells the dispatcher whether another attempt can help.
public enum AlertDeliveryError: Error, Equatable, Sendable {
    /// A system call failed: `call` names it, `errno` is its error.
    case system(call: String, errno: Int32)
    /// `getaddrinfo` could not resolve the webhook's host; `code` is its `EAI_*` result.
    case unresolvable(host: String, code: Int32)
    /// The peer did not answer within the sink's time bound; `phase` is connect, send or receive.
    case timedOut(phase: String)
    /// The HTTP endpoint answered with a non-2xx status.
    case httpStatus(Int)
    /// The HTTP endpoint's answer did not start with an HTTP/1.x status line.
    case malformedResponse
    /// The command ran and exited non-zero.
    case exitStatus(Int32)
    /// The command died of a signal (SIGKILL when it overran its time bound).
    case signaled(Int32)
    /// The connection failed below HTTP (refused, reset, unresolvable), as the HTTP client said.
    case transport(String)
    /// The TLS handshake failed: the certificate does not verify against the trusted roots. Not
    /// retried: it will not verify on the next attempt either; fix `ca_file` or the endpoint.
    case tls(String)
    /// The sink refused to send at all (a URL it may not use).
    case refused(String)

    public var isRetryable: Bool {
        switch self {
        case .system, .unresolvable, .timedOut, .malformedResponse, .transport: true
        case .httpStatus(let status): status >= 500 || status == 429 || status == 408
        case .exitStatus, .signaled, .tls, .refused: false
        }
    }
}
