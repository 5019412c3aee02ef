import CodeServer
import Sandbox
import Synchronization

/// `notifications/progress` for one `tools/call` whose request carried `_meta.progressToken`:
/// one when the call starts, one as output arrives (at most one per `interval`, however fast the
/// tool writes), one when it is done. `progress` counts the tool's output bytes, so it only
/// grows; the last notification adds one and sets `total` to it, so progress == total means done.
/// Sent through the request's own SSE stream (`MCPServer.Origin.notify`); a JSON-only request has
/// nowhere to send them and gets none.
final class MCPProgress: Sendable {
    static let interval: Duration = .milliseconds(250)

    private struct State {
        var bytes = 0
        var violations = 0
        var lastProgress = -1
        var lastSent: ContinuousClock.Instant?
    }

    let token: JSONRPCID
    private let notify: @Sendable (JSONValue) -> Void
    private let state = Mutex(State())

    init(token: JSONRPCID, notify: @escaping @Sendable (JSONValue) -> Void) {
        self.token = token
        self.notify = notify
    }

    /// The token as the specification allows it: a string or an integer; nil when absent.
    static func token(in meta: JSONValue?, id: JSONRPCID) throws(JSONRPCError) -> JSONRPCID? {
        guard let raw = meta?["progressToken"], !raw.isNull else { return nil }
        guard let token = JSONRPCID(raw) else {
            throw .invalidParams(
                field: "_meta.progressToken", "invalid params: '_meta.progressToken' must be a string or an integer", id: id)
        }
        return token
    }

    func started(tool: String) {
        state.withLock { $0.lastProgress = 0 }
        send(progress: 0, total: nil, message: "started \(tool)")
    }

    /// Called on the worker's reader thread for each chunk; never blocks (the stream is bounded).
    func observe(_ progress: CallProgress) {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Int? in
            switch progress {
            case .output(_, let bytes): state.bytes += bytes.count
            case .violation: state.violations += 1
            }
            guard state.bytes > state.lastProgress else { return nil }
            if let last = state.lastSent, now - last < Self.interval { return nil }
            state.lastSent = now
            state.lastProgress = state.bytes
            return state.bytes
        }
        if let due { send(progress: due, total: nil, message: "\(due) bytes of output") }
    }

    func done(_ result: ToolResult) {
        let (bytes, violations) = state.withLock { ($0.bytes, $0.violations) }
        var message = "done: \(result.status.rawValue)"
        if let reason = result.reason { message += " (\(reason.rawValue))" }
        message += ", \(bytes) bytes of output"
        if violations > 0 { message += ", \(violations) violation(s)" }
        send(progress: bytes + 1, total: bytes + 1, message: message)
    }

    private func send(progress: Int, total: Int?, message: String) {
        var params: [String: JSONValue] = [
            "progressToken": token.json, "progress": .int(Int64(progress)), "message": .string(message),
        ]
        if let total { params["total"] = .int(Int64(total)) }
        notify(["jsonrpc": "2.0", "method": "notifications/progress", "params": .object(params)])
    }
}
