import Logging
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line on stderr: `{"at_ms", "level", "label", "message", …metadata}`. Each
/// line goes out in one write(2), so lines from concurrent tasks never interleave.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: JSONValue] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = .string("\(value)")
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        object["at_ms"] = .int(Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
        object["level"] = .string(event.level.rawValue)
        object["label"] = .string(label)
        object["message"] = .string("\(event.message)")
        let line = JSONWriter.bytes(.object(object)) + [UInt8(ascii: "\n")]
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
