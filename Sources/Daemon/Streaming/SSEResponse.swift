import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// One Server-Sent Event as the WHATWG `text/event-stream` format frames it: optional `event:`
/// and `id:` fields, the data split into one `data:` line per line of text, and a blank line.
/// Field values that would break the framing (CR, LF, NUL in `event`/`id`) are cut at the first
/// such byte rather than sent, so no payload can forge a second event.
struct SSEEvent: Sendable, Equatable {
    var event: String?
    var id: String?
    var data: String
    /// `retry:`, the reconnection delay a client should use.
    var retryMs: Int?

    init(event: String? = nil, id: String? = nil, data: String, retryMs: Int? = nil) {
        self.event = event
        self.id = id
        self.data = data
        self.retryMs = retryMs
    }

    var bytes: [UInt8] {
        var out = ""
        if let event { out += "event: \(Self.field(event))\n" }
        if let id { out += "id: \(Self.field(id))\n" }
        if let retryMs { out += "retry: \(retryMs)\n" }
        // CRLF and lone CR are line ends for an SSE parser too: each becomes its own data line.
        let normalized = data.replacingCRLF()
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) { out += "data: \(line)\n" }
        out += "\n"
        return Array(out.utf8)
    }

    /// A comment line (`: text`), which every client ignores: keep-alives that stop proxies and
    /// idle timers from closing a quiet stream.
    static func comment(_ text: String) -> [UInt8] {
        Array(": \(field(text))\n\n".utf8)
    }

    private static func field(_ text: String) -> Substring {
        text.prefix { $0 != "\n" && $0 != "\r" && $0 != "\0" }
    }
}

extension String {
    fileprivate func replacingCRLF() -> String {
        guard contains("\r") else { return self }
        var out = ""
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" {
                out += "\n"
                previousCR = true
                continue
            }
            if scalar == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = false
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

/// The bounded queue between whoever produces events (a tool's progress, an asset reload) and the
/// connection that writes them. `send` never blocks and never waits for the client: a reader
/// slower than the events loses the oldest unwritten ones (counted in `dropped`), so the newest,
/// a call's result above all, is always the one kept. `finish` ends the stream (the call is
/// done, the session ended, the daemon shuts down, the client left); sends after it are ignored.
final class SSEStream: Sendable {
    enum SendOutcome: Sendable, Equatable {
        case queued
        /// Queued, and an older unwritten event was dropped to make room.
        case droppedOldest
        /// The stream has ended; nothing was queued.
        case closed
    }

    let capacity: Int
    let buffers: AsyncStream<ByteBuffer>
    private let continuation: AsyncStream<ByteBuffer>.Continuation
    private let droppedCount = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        (buffers, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(capacity))
    }

    @discardableResult
    func send(_ event: SSEEvent) -> SendOutcome { send(bytes: event.bytes) }

    @discardableResult
    func comment(_ text: String) -> SendOutcome { send(bytes: SSEEvent.comment(text)) }

    private func send(bytes: [UInt8]) -> SendOutcome {
        switch continuation.yield(ByteBuffer(bytes: bytes)) {
        case .enqueued: return .queued
        case .dropped:
            droppedCount.add(1, ordering: .relaxed)
            return .droppedOldest
        case .terminated: return .closed
        @unknown default: return .closed
        }
    }

    /// Events dropped because the reader was slower than the producer.
    var dropped: Int { droppedCount.load(ordering: .relaxed) }

    var isFinished: Bool { finished.load(ordering: .acquiring) }

    func finish() {
        finished.store(true, ordering: .releasing)
        continuation.finish()
    }
}

/// A `text/event-stream` response that writes an `SSEStream` until it finishes. Three things end
/// it besides the producer: the client closing its side (`ConnectionGuard`: a quiet stream writes
/// nothing, so no failed write would tell us), the daemon's graceful shutdown (a stream would
/// otherwise hold shutdown up until its deadline), and a write failing. `onEnd` runs once,
/// however it ended, so the owner can forget the stream. The sibling of `NDJSONResponse`.
enum SSEResponse {
    /// How often a quiet stream writes a keep-alive comment.
    static let defaultKeepAlive: Duration = .seconds(15)

    static func response(
        _ stream: SSEStream, channel: any Channel, keepAlive: Duration? = defaultKeepAlive,
        headers extra: HTTPFields = [:], onEnd: (@Sendable () -> Void)? = nil
    ) -> Response {
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        headers.append(contentsOf: extra)
        let guardEnd = OnceAction(onEnd)
        let body = ResponseBody { writer in
            defer {
                stream.finish()
                guardEnd.run()
            }
            let ticker = keepAlive.map { interval in
                Task {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: interval) } catch { return }
                        if stream.comment("keep-alive") == .closed { return }
                    }
                }
            }
            defer { ticker?.cancel() }
            ConnectionGuard.onPeerGone(channel) { stream.finish() }
            try await withGracefulShutdownHandler {
                try await writer.write(stream.buffers)
            } onGracefulShutdown: {
                stream.finish()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// Runs an action at most once, also when the response is dropped before its body ever ran (the
/// client left before the head was written).
private final class OnceAction: Sendable {
    private let action: Mutex<(@Sendable () -> Void)?>

    init(_ action: (@Sendable () -> Void)?) {
        self.action = Mutex(action)
    }

    func run() {
        let pending = action.withLock { action in
            defer { action = nil }
            return action
        }
        pending?()
    }

    deinit { run() }
}
