import Hummingbird
import Logging
import NIOCore

/// The TCP listener's door: every request needs `Authorization: Bearer SECRET` naming a token of
/// the config, and the request must fall inside that token's scope. Each refusal is logged as
/// `daemon.tcp_denied` with the remote address, the token's name when one matched, and the
/// reason (rate-limited by `RefusalLog`: a flood is summed, not written line by line); the secret
/// itself is never logged. A token may have `tcp.max_requests_per_token` requests in progress.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = DaemonContext

    let tokens: TokenTable
    var refusals: RefusalLog?
    var inProgress: TokenRequestLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        func refuse(_ code: APIError.Code, _ status: HTTPResponse.Status, _ reason: String, token: String? = nil) -> APIError {
            var metadata: Logger.Metadata = [
                "event": "daemon.tcp_denied", "remote": "\(Self.describe(context.channel.remoteAddress))",
                "method": "\(request.method.rawValue)", "path": "\(path)", "reason": "\(reason)",
            ]
            if let token { metadata["token"] = "\(token)" }
            if let refusals {
                refusals.refused(event: "daemon.tcp_denied", reason: code.text, message: "tcp request refused", metadata: metadata)
            } else {
                context.logger.warning("tcp request refused", metadata: metadata)
            }
            return APIError(code, status: status, reason)
        }
        guard let header = request.headers[.authorization] else {
            throw refuse(.unauthorized, .unauthorized, "an 'Authorization: Bearer TOKEN' header is required")
        }
        // RFC 9110: the scheme is case-insensitive.
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw refuse(.unauthorized, .unauthorized, "the Authorization header must be 'Bearer TOKEN'")
        }
        guard let token = tokens.token(forSecret: parts[1]) else {
            throw refuse(.unauthorized, .unauthorized, "unknown bearer token")
        }
        let target: AccessPath
        switch AccessPath.parse(path: path, query: request.uri.query) {
        case .success(let parsed): target = parsed
        case .failure(let error): throw refuse(.forbidden, .forbidden, error.reason, token: token.name)
        }
        let scrape = target.segments == ["metrics"] && request.method == .get
        if scrape, !token.readsMetrics {
            throw refuse(.forbidden, .forbidden, "this token may not read /metrics (give it \"metrics\": true)", token: token.name)
        }
        if !scrape, let refusal = token.scope.refusal(method: request.method.rawValue, path: target) {
            throw refuse(.forbidden, .forbidden, refusal, token: token.name)
        }
        if let inProgress {
            guard inProgress.acquire(token.name) else {
                throw APIError.exhausted(
                    .tcpRequestsPerToken, "token '\(token.name)' already has \(inProgress.perToken) requests in progress")
            }
        }
        defer { inProgress?.release(token.name) }
        var context = context
        context.isRemote = true
        return try await next(request, context)
    }

    /// `127.0.0.1:60168` or `[::1]:60168`, the form an operator greps firewall logs for.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "unknown" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
