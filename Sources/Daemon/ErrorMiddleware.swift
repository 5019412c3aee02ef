import Hummingbird
import Logging
import NIOHTTP1

/// The outermost middleware: whatever a route, the router or a body read threw leaves as a
/// structured `APIError`, so a client never sees an HTML or empty error page, and a failure of
/// one request never reaches the server's connection handling.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = DaemonContext

    /// Budget refusals are logged here (`daemon.budget_refused`, rate-limited): the operator
    /// sees which budget a tenant keeps hitting.
    let refusals: RefusalLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Pipelined behind an answer that closes the connection: never served, never logged.
        if ConnectionGuard.isClosing(context.channel) {
            return try APIError(.malformedRequest, status: .badRequest, "the connection is closing").response(
                from: request, context: context)
        }
        let response = try await answer(request, context: context, next: next)
        if response.headers[.connection]?.lowercased() == "close" { ConnectionGuard.markClosing(context.channel) }
        return response
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.code == .resourceExhausted {
                refusals.refused(
                    event: "daemon.budget_refused", reason: error.field ?? "-", message: "budget full",
                    metadata: [
                        "event": "daemon.budget_refused", "budget": "\(error.field ?? "-")", "path": "\(request.uri.path)",
                        "remote": "\(BearerTokenMiddleware.describe(context.channel.remoteAddress))",
                    ])
            }
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            return try Self.map(error).response(from: request, context: context)
        } catch let error as HTTPParserError {
            // Raised while a route reads a body whose framing is broken (a chunk size that is
            // not hex, a truncated chunk): the client's fault, and the connection cannot be
            // resynchronised, so the answer closes it.
            return try APIError(.malformedRequest, status: .badRequest, "malformed HTTP request body: \(error)")
                .response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["event": "daemon.internal_error", "error": "\(error)"])
            return try APIError(.internal, status: .internalServerError, "internal error: \(error)")
                .response(from: request, context: context)
        }
    }

    /// Hummingbird's own refusals (no route, wrong method, body too large) in the API's shape.
    private static func map(_ error: HTTPError) -> APIError {
        let message = error.body ?? error.status.reasonPhrase
        switch error.status {
        case .notFound: return APIError(.notFound, status: .notFound, "no such route: \(message)")
        case .methodNotAllowed: return APIError(.methodNotAllowed, status: .methodNotAllowed, message)
        case .contentTooLarge: return APIError(.bodyTooLarge, status: .contentTooLarge, message)
        default: return APIError(.invalidField, status: error.status, message)
        }
    }
}
