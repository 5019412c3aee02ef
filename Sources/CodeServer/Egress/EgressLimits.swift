/// The proxy's bounds: per call, connections and bytes (both directions); per project,
/// connections open at once.
public struct EgressLimits: Sendable, Equatable {
    public var connectionsPerCall: Int
    public var bytesPerCall: Int
    public var concurrentConnections: Int

    public init(connectionsPerCall: Int, bytesPerCall: Int, concurrentConnections: Int) {
        self.connectionsPerCall = connectionsPerCall
        self.bytesPerCall = bytesPerCall
        self.concurrentConnections = concurrentConnections
    }

    public init(options: RuntimeOptions) {
        self.init(
            connectionsPerCall: options.networkMaxConnectionsPerCall, bytesPerCall: options.networkMaxBytesPerCall,
            concurrentConnections: options.networkMaxConcurrentConnections)
    }

    /// The names a hit is reported under (`limit_exceeded`'s `limit`).
    static let connectionsName = "network_connections"
    static let bytesName = "network_bytes"
    static let concurrentName = "network_concurrent_connections"
}
