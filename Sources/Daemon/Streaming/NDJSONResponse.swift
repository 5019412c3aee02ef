import Hummingbird
import NIOCore
import Sandbox
import ServiceLifecycle

/// A newline-delimited JSON answer (`application/x-ndjson`, one document per line, written as it
/// comes): the one way the daemon streams — `events?follow`, a turn's events, a tool run with
/// `stream: true`.
///
/// The response body's writer cannot leave its closure, so lines reach it through a buffer, from
/// whoever produces them: `send` (callable before the response exists, as a streamed tool run does
/// with its `started` line) and a pump task the body runs. The pump is cancelled when the client
/// goes away — the write throws, or, for a quiet stream that writes nothing, the connection's guard
/// says the peer is gone (`ConnectionGuard.onPeerGone`) — and, for a stream that would never end by
/// itself, on graceful shutdown (it would otherwise hold shutdown up until its deadline). When the
/// pump returns the stream ends.
struct NDJSONResponse: Sendable {
    private let lines: AsyncStream<ByteBuffer>
    private let output: AsyncStream<ByteBuffer>.Continuation

    /// - Parameter keepingNewest: lines kept for a reader slower than the producer, older ones
    ///   dropped; nil keeps them all (for a producer that is bounded itself, such as a call's
    ///   output under its cap).
    init(keepingNewest: Int?) {
        (lines, output) = AsyncStream.makeStream(
            of: ByteBuffer.self, bufferingPolicy: keepingNewest.map { .bufferingNewest($0) } ?? .unbounded)
    }

    /// Queues `value` as one line.
    func send(_ value: JSONValue) {
        output.yield(ByteBuffer(bytes: JSONWriter.bytes(value) + [UInt8(ascii: "\n")]))
    }

    /// The response: the lines sent so far, then those `pump` sends, until it returns.
    ///
    /// - Parameters:
    ///   - channel: the request's connection, watched for its client going away.
    ///   - endsOnShutdown: graceful shutdown cancels the pump (a follower); false lets a bounded
    ///     stream (a call that ends by itself) finish within the shutdown grace.
    ///   - onEnd: run once when the body ends, however it ends (a budget slot given back).
    func response(
        channel: any Channel, endsOnShutdown: Bool = true, onEnd: @escaping @Sendable () -> Void = {},
        pump: @escaping @Sendable (NDJSONResponse) async -> Void
    ) -> Response {
        let stream = self
        let body = ResponseBody { writer in
            defer { onEnd() }
            let task = Task {
                if endsOnShutdown {
                    await cancelWhenGracefulShutdown { await pump(stream) }
                } else {
                    await pump(stream)
                }
                stream.output.finish()
            }
            defer { task.cancel() }
            ConnectionGuard.onPeerGone(channel) {
                task.cancel()
                stream.output.finish()
            }
            try await writer.write(stream.lines)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }
}
