/// The one reader of `text/event-stream` (the WHATWG server-sent events format) for the model
/// endpoints: bytes in, the `data` of each complete event out. Strict and bounded: a line longer
/// than `maximumLineBytes` or an event longer than `maximumEventBytes` is an error, not a buffer
/// that grows with whatever the endpoint sends.
public struct SSEReader: Sendable {
    public enum Failure: Error, Sendable, Equatable {
        case lineTooLong(limit: Int)
        case eventTooLong(limit: Int)
    }

    public let maximumLineBytes: Int
    public let maximumEventBytes: Int
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    /// A `\r` ended the last line: a `\n` right after it belongs to it.
    private var afterCarriageReturn = false

    public init(maximumLineBytes: Int = 1 << 20, maximumEventBytes: Int = 4 << 20) {
        self.maximumLineBytes = maximumLineBytes
        self.maximumEventBytes = maximumEventBytes
    }

    /// Reads `bytes`; returns the data of every event they completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                afterCarriageReturn = byte == UInt8(ascii: "\r")
                if let event = try endLine() { events.append(event) }
            default:
                guard line.count < maximumLineBytes else { throw .lineTooLong(limit: maximumLineBytes) }
                line.append(byte)
            }
        }
        return events
    }

    /// Whether bytes of an unfinished event are buffered (a stream ending here was cut).
    public var hasPartialEvent: Bool { !line.isEmpty || hasData }

    private mutating func endLine() throws(Failure) -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else { return nil }
            defer {
                data.removeAll(keepingCapacity: true)
                hasData = false
            }
            return String(decoding: data, as: UTF8.self)
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[..<colon].elementsEqual("data".utf8) else { return nil }
        var valueStart = colon == line.endIndex ? colon : colon + 1
        if valueStart < line.endIndex && line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        if hasData { data.append(UInt8(ascii: "\n")) }
        guard data.count + (line.endIndex - valueStart) <= maximumEventBytes else {
            throw .eventTooLong(limit: maximumEventBytes)
        }
        data.append(contentsOf: line[valueStart...])
        hasData = true
        return nil
    }
}
