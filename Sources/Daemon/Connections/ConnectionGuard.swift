import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// One per connection, right after the HTTP codec. Two jobs:
/// - on the TCP listener, admits the connection against `ConnectionLimiter` when it is accepted
///   (refused ones are closed before anything is read, and the refusal goes to `RefusalLog`);
/// - after an answer marked `Connection: close` (401, 403, 413, a malformed request: see
///   `APIError.closesConnection`) it stops reading, half-closes once the answer is written and
///   closes after a short linger. The rest of a refused body is never read: Hummingbird would
///   otherwise drain it to keep the connection alive, which let a trickled body outlive the idle
///   timeout and a 16 GiB one burn a core.
///
/// It also tells a streaming answer (`events?follow`) when its client has gone (`onPeerGone`): a
/// follower of a quiet project writes nothing, so without this a closed follower would hold its
/// subscription, its budget slot and its descriptor until the next event.
///
/// The linger gives the client time to read the answer before the close (which, with unread
/// bytes in our receive buffer, is a reset that could discard the answer on its side).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let lingerSeconds: Int64 = 2

    /// What requests on a connection need to know about it, by channel. An entry exists exactly
    /// from `handlerAdded` to `handlerRemoved`, and nothing else ever inserts one: a channel
    /// object freed and another allocated at its address must never inherit the old state.
    private struct Shared {
        /// Its answer closes it: requests the client pipelined behind the refused one may already
        /// be parsed and queued; `ErrorMiddleware` drops them unserved and unlogged (their answers
        /// could not be written anyway), so 10 pipelined requests are one refusal.
        var closing = false
        var peerGone = false
        var onPeerGone: (@Sendable () -> Void)?
    }

    private static let shared = Mutex<[ObjectIdentifier: Shared]>([:])

    static func isClosing(_ channel: any Channel) -> Bool {
        shared.withLock { $0[ObjectIdentifier(channel)]?.closing ?? false }
    }

    /// Marked by `ErrorMiddleware` as soon as it has an answer that closes the connection: the
    /// answer reaches this handler asynchronously, after Hummingbird may have started on the
    /// next pipelined request.
    static func markClosing(_ channel: any Channel) {
        shared.withLock { $0[ObjectIdentifier(channel)]?.closing = true }
    }

    /// Runs `handler` once when the client of `channel` closes its side (at once if it already
    /// has, or the connection is gone). Called outside every lock.
    static func onPeerGone(_ channel: any Channel, _ handler: @escaping @Sendable () -> Void) {
        let registered = shared.withLock { shared -> Bool in
            let id = ObjectIdentifier(channel)
            guard let state = shared[id], !state.peerGone else { return false }
            shared[id]?.onPeerGone = handler
            return true
        }
        if !registered || !channel.isActive { handler() }
    }

    private func peerGone(_ context: ChannelHandlerContext) {
        let handler = Self.shared.withLock { shared -> (@Sendable () -> Void)? in
            let id = ObjectIdentifier(context.channel)
            guard shared[id] != nil else { return nil }
            defer {
                shared[id]?.peerGone = true
                shared[id]?.onPeerGone = nil
            }
            return shared[id]?.onPeerGone
        }
        handler?()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { peerGone(context) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peerGone(context)
        context.fireChannelInactive()
    }

    private let limiter: ConnectionLimiter?
    private let refusals: RefusalLog?
    private var admittedAddress: String?
    /// Nothing more is read: the connection is refused or its answer closes it.
    private var closing = false

    init(limiter: ConnectionLimiter? = nil, refusals: RefusalLog? = nil) {
        self.limiter = limiter
        self.refusals = refusals
    }

    func handlerAdded(context: ChannelHandlerContext) {
        Self.shared.withLock { $0[ObjectIdentifier(context.channel)] = Shared() }
        guard let limiter else { return }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if let budget = limiter.admit(address) {
            closing = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            refusals?.refused(
                event: "daemon.connection_refused", reason: budget.rawValue, message: "connection refused",
                metadata: [
                    "event": "daemon.connection_refused", "remote": "\(BearerTokenMiddleware.describe(context.channel.remoteAddress))",
                    "budget": "\(budget.rawValue)",
                    "limit": "\(budget == .tcpConnections ? limiter.total : limiter.perAddress)",
                ])
            context.close(promise: nil)
            return
        }
        admittedAddress = address
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        peerGone(context)
        _ = Self.shared.withLock { $0.removeValue(forKey: ObjectIdentifier(context.channel)) }
        if let address = admittedAddress {
            admittedAddress = nil
            limiter?.release(address)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Refused: whatever else the client sends is dropped unparsed into the request.
        guard !closing else { return }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.headerFields[.connection]?.lowercased() == "close":
            closing = true
            Self.markClosing(context.channel)
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            context.write(data, promise: promise)
        case .end where closing:
            let written = promise ?? context.eventLoop.makePromise()
            context.writeAndFlush(data, promise: written)
            let loop = context.eventLoop.assumeIsolated()
            written.futureResult.assumeIsolated().whenComplete { _ in
                context.close(mode: .output, promise: nil)
                loop.scheduleTask(in: .seconds(Self.lingerSeconds)) { context.close(promise: nil) }
            }
        default:
            context.write(data, promise: promise)
        }
    }
}
