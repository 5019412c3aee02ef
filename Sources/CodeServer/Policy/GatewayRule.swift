import Sandbox

/// Which gateway protocols may carry calls to the project, from `protocol_allowlist`.
public struct GatewayRule: Sendable, Equatable {
    public var allowed: Set<Gateway>

    public init(allowed: Set<Gateway>) {
        self.allowed = allowed
    }

    /// `gateway` is nil for a call made in process through the library API: no gateway protocol
    /// carried it, so the option has nothing to say about it.
    public func check(gateway: Gateway?) -> [Finding] {
        guard let gateway, !allowed.contains(gateway) else { return [] }
        return [
            Finding(
                code: .protocolDenied, detail: "gateway protocol '\(gateway.rawValue)' is not in protocol_allowlist",
                evidence: ["protocol": .string(gateway.rawValue)])
        ]
    }
}
