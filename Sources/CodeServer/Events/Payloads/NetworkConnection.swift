import Sandbox

/// `network.connection`: a connection the egress proxy let through, when it closed
/// (`EgressConnectionRecord.json` of an allowed record, with the call and `source: proxy`).
public struct NetworkConnection: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var host: String
    public var port: Int64
    /// The address dialled.
    public var address: String?
    public var `protocol`: EgressProtocol
    public var path: EgressConnectionRecord.Path
    public var startedAtMs: Int64
    public var bytesSent: Int64
    public var bytesReceived: Int64
    public var durationMs: Int64

    public init(
        callId: String, tool: String, host: String, port: Int64, address: String?, protocol: EgressProtocol,
        path: EgressConnectionRecord.Path, startedAtMs: Int64, bytesSent: Int64, bytesReceived: Int64, durationMs: Int64
    ) {
        self.callId = callId
        self.tool = tool
        self.host = host
        self.port = port
        self.address = address
        self.protocol = `protocol`
        self.path = path
        self.startedAtMs = startedAtMs
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
        self.durationMs = durationMs
    }

    /// The event of an allowed connection's record.
    public init(_ record: EgressConnectionRecord, callId: String, tool: String) {
        self.init(
            callId: callId, tool: tool, host: record.host, port: Int64(record.port), address: record.address,
            protocol: record.protocol, path: record.path, startedAtMs: record.startedAtMs,
            bytesSent: Int64(record.bytesSent), bytesReceived: Int64(record.bytesReceived), durationMs: record.durationMs)
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        host = try r.string("host")
        port = try r.int("port")
        address = try r.optionalString("address")
        `protocol` = try r.word("protocol", as: EgressProtocol.self)
        path = try r.word("path", as: EgressConnectionRecord.Path.self)
        startedAtMs = try r.time("at")
        bytesSent = try r.int("bytes_sent")
        bytesReceived = try r.int("bytes_received")
        durationMs = try r.int("duration_ms")
        guard try r.string("decision") == "allowed" else { throw r.fail("decision", "a closed connection is 'allowed'") }
        guard try r.string("source") == "proxy" else { throw r.fail("source", "a connection is reported by the 'proxy'") }
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "call_id": .string(callId), "tool": .string(tool), "host": .string(host), "port": .int(port),
            "protocol": .string(`protocol`.rawValue), "path": .string(path.rawValue), "decision": "allowed",
            "at": .string(Timestamp.rfc3339(ms: startedAtMs)), "bytes_sent": .int(bytesSent),
            "bytes_received": .int(bytesReceived), "duration_ms": .int(durationMs), "source": "proxy",
        ])
        w.set("address", address)
        return w.json
    }
}
