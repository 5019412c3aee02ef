import Sandbox

/// One connection a call made, or tried to make, through the egress proxy: what the call's
/// result lists under `network` and what the `network.connection` / `security.network_denied`
/// events carry.
public struct EgressConnectionRecord: Sendable, Equatable {
    /// How the connection reached the proxy.
    public enum Path: String, Sendable {
        /// The tool's own connect(), handed a tunnel by the monitor.
        case transparent
        /// A proxy-aware tool (HTTP_PROXY…) talking to the proxy itself.
        case proxy
    }

    /// The host as the tool named it (a name or an address literal).
    public var host: String
    public var port: Int
    /// The address dialled; nil when refused.
    public var address: String?
    public var `protocol`: EgressProtocol
    public var path: Path
    /// Nil when allowed.
    public var denial: (code: String, detail: String)?
    public var bytesSent: Int = 0
    public var bytesReceived: Int = 0
    public var startedAtMs: Int64
    public var durationMs: Int64 = 0

    public var allowed: Bool { denial == nil }

    public static func == (lhs: EgressConnectionRecord, rhs: EgressConnectionRecord) -> Bool {
        lhs.json == rhs.json
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "host": .string(host), "port": .int(Int64(port)), "protocol": .string(`protocol`.rawValue),
            "path": .string(path.rawValue), "decision": .string(allowed ? "allowed" : "denied"),
            "at": .string(Timestamp.rfc3339(ms: startedAtMs)),
        ]
        if let address { object["address"] = .string(address) }
        if let denial {
            object["reason"] = .string(denial.code)
            object["detail"] = .string(denial.detail)
        } else {
            object["bytes_sent"] = .int(Int64(bytesSent))
            object["bytes_received"] = .int(Int64(bytesReceived))
            object["duration_ms"] = .int(durationMs)
        }
        return .object(object)
    }
}

/// The `network` section of a call's result: every connection the proxy saw for it, and the
/// network limit that fired, if one did.
public struct EgressReport: Sendable, Equatable {
    public var connections: [EgressConnectionRecord]
    /// `network_connections` or `network_bytes`.
    public var limitFired: String?

    public var json: JSONValue {
        var object: [String: JSONValue] = ["connections": .array(connections.map(\.json))]
        if let limitFired { object["limit_fired"] = .string(limitFired) }
        return .object(object)
    }
}
