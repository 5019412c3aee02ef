import CodeServer
import Hummingbird
import Sandbox

/// The acknowledgement rule at one edge: a request that may change state (anything but GET and
/// HEAD: a start, a message, a call, a stop) is answered only after every journal write queued
/// while it ran is committed. The journal's writer batches those writes with everyone else's
/// (group commit), so the wait is at most one fsync behind the work. If the batch failed, the
/// answer is `503 store_unavailable` instead, whatever the route produced: nothing is
/// acknowledged that is not on disk. Reads need no wait; they already see what they wrote.
struct DurabilityMiddleware: RouterMiddleware {
    typealias Context = DaemonContext

    let journal: any Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get && request.method != .head else { return try await next(request, context) }
        let mark = journal.mark()
        let startedNs = Timestamp.monotonicNs()
        let outcome: Result<Response, any Error>
        do {
            outcome = .success(try await next(request, context))
        } catch {
            outcome = .failure(error)
        }
        let routedNs = Timestamp.monotonicNs()
        do {
            try await journal.durable(since: mark)
        } catch {
            throw APIError(.storeUnavailable, status: .serviceUnavailable, "store_unavailable: \(error)")
        }
        // Self-contained lines (no call id here): `jcs-bench daemon --trace` sums them per phase.
        Trace.mark("http: route took \((routedNs - startedNs) / 1000)us")
        Trace.mark("http: durable wait took \((Timestamp.monotonicNs() - routedNs) / 1000)us")
        return try outcome.get()
    }
}
