/// One thing the sandbox refused, with its evidence. The monitor records one per denied
/// syscall it was notified of, and per limit that fired.
public struct Violation: Sendable, Equatable {
    /// `network_denied`, `network_protocol_denied`, `syscall_denied`, `namespace_denied`,
    /// `abi_denied`, `limit_exceeded`.
    public var kind: String
    /// The syscall name, when a syscall was denied.
    public var syscall: String?
    /// Address family name (`AF_INET`, `AF_NETLINK`, …) for network evidence.
    public var family: String?
    public var address: String?
    public var port: Int?
    public var path: String?
    /// Raw syscall arguments (registers), for syscalls whose evidence is a number.
    public var args: [UInt64]?
    /// The limit's name for `limit_exceeded`.
    public var limit: String?
    /// Milliseconds since the Unix epoch.
    public var atMs: Int64
    /// Egress (network_egress_policy allow): the protocol the egress policy classified the
    /// attempt as (`http`, `https`, `tcp`, `udp`, `dns`) and its reason code.
    public var networkProtocol: String?
    public var networkReason: String?

    public init(
        kind: String, syscall: String? = nil, family: String? = nil, address: String? = nil, port: Int? = nil,
        path: String? = nil, args: [UInt64]? = nil, limit: String? = nil, atMs: Int64
    ) {
        self.kind = kind
        self.syscall = syscall
        self.family = family
        self.address = address
        self.port = port
        self.path = path
        self.args = args
        self.limit = limit
        self.atMs = atMs
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind), "at": .string(Timestamp.rfc3339(ms: atMs))]
        if let syscall { object["syscall"] = .string(syscall) }
        if let family { object["family"] = .string(family) }
        if let address { object["address"] = .string(address) }
        if let port { object["port"] = .int(Int64(port)) }
        if let path { object["path"] = .string(path) }
        if let args { object["args"] = .array(args.map { .uint($0) }) }
        if let limit { object["limit"] = .string(limit) }
        if let networkProtocol { object["protocol"] = .string(networkProtocol) }
        if let networkReason { object["reason_code"] = .string(networkReason) }
        return .object(object)
    }

    public init(json: JSONValue) throws(SandboxError) {
        guard case .object(let o) = json, case .string(let kind)? = o["kind"],
            case .string(let at)? = o["at"], let ms = Timestamp.parseRFC3339(at)
        else { throw .protocolViolation(reason: "malformed violation record") }
        self.init(
            kind: kind, syscall: o["syscall"]?.stringValue, family: o["family"]?.stringValue,
            address: o["address"]?.stringValue, port: o["port"]?.intValue, path: o["path"]?.stringValue,
            args: o["args"]?.arrayValue?.compactMap(\.uint64Value), limit: o["limit"]?.stringValue, atMs: ms)
        networkProtocol = o["protocol"]?.stringValue
        networkReason = o["reason_code"]?.stringValue
    }
}
