/// Reads a `text/event-stream` body as it arrives and returns the data of each complete event
/// of type `message` (or untyped), the events the MCP Streamable HTTP transport sends: one
/// JSON-RPC message each, which `jcs mcp` writes to stdout as one line. Comments (keep-alives)
/// and other fields are skipped. Bounded: an event larger than `maximumEvent` is dropped whole
/// (`droppedOversized` counts them) instead of growing without limit.
struct MCPEventStreamReader {
    let maximumEvent: Int
    private var pending: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType = ""
    private var oversized = false
    private(set) var droppedOversized = 0

    init(maximumEvent: Int = 64 << 20) {
        self.maximumEvent = maximumEvent
    }

    mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        pending += bytes
        var events: [[UInt8]] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if let event = take(line) { events.append(event) }
        }
        if pending.count > maximumEvent {
            pending.removeAll(keepingCapacity: false)
            oversized = true
        }
        return events
    }

    /// One line of the stream; the event's data when `line` is the blank line that ends it.
    private mutating func take(_ line: [UInt8]) -> [UInt8]? {
        if line.isEmpty {
            defer {
                data.removeAll(keepingCapacity: true)
                hasData = false
                eventType = ""
                oversized = false
            }
            if oversized {
                droppedOversized += 1
                return nil
            }
            guard hasData, eventType.isEmpty || eventType == "message" else { return nil }
            return data
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        switch field {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data += value
            hasData = true
            if data.count > maximumEvent {
                data.removeAll(keepingCapacity: false)
                oversized = true
            }
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }
}
