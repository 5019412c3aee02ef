/// The optional TCP listener: where it binds and which bearer tokens it accepts. Off unless the
/// config file has a `tcp` section; it never starts without at least one token.
public struct TCPListenerConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var tokens: TokenTable
    /// A connection with no request in progress for this long is closed, so clients that connect
    /// and send nothing (or stop halfway through a request head) cannot hoard connections.
    /// Streaming answers (`events?follow`) are a request in progress and are not cut.
    public var idleTimeoutSeconds: Int

    public static let defaultIdleTimeoutSeconds = 30
    /// Connections open at once on the listener (`tcp.max_connections`); past it a new one is
    /// closed at accept, before a byte is read. Far below the raised fd limit, so a flood of
    /// unauthenticated connections leaves descriptors for the Unix socket and tool workers.
    public var maxConnections = 1024
    /// … from one remote address (`tcp.max_connections_per_address`).
    public var maxConnectionsPerAddress = 64
    /// Requests one token may have in progress at once (`tcp.max_requests_per_token`).
    public var maxRequestsPerToken = 64

    public init(host: String, port: Int, tokens: TokenTable, idleTimeoutSeconds: Int = defaultIdleTimeoutSeconds) {
        self.host = host
        self.port = port
        self.tokens = tokens
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }

    /// Whether `host` is a loopback address. The listener speaks plain HTTP, so bearer tokens
    /// cross the wire in clear: binding elsewhere needs `allow_non_loopback` in the config (for
    /// a TLS-terminating proxy on another interface, or a private network the operator trusts).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
