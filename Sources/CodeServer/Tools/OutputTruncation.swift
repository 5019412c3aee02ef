import Sandbox

/// Fits a built-in tool's output under the caps (`OutputCaps`) by cutting it, as `jcs sandbox
/// run` cuts a stream, instead of refusing the whole call: a program's `stdout`/`stderr`, a
/// file's `content` (whole UTF-8 characters, or whole bytes of base64 content) and `fs.search`'s
/// `matches` are shortened until the output fits, flagged (`stdout_truncated`, `truncated`), and a
/// `notice` names the effective maximum and how to read the rest (`offset`/`limit`). Outputs
/// with nothing to cut (an asset, a workflow's steps) are left as they are and the caps refuse
/// them.
enum OutputTruncation {
    /// The cuttable fields: (value, encoding field, flag set when cut).
    private static let streams: [(key: String, encoding: String, flag: String)] = [
        ("stdout", "stdout_encoding", "stdout_truncated"), ("stderr", "stderr_encoding", "stderr_truncated"),
        ("content", "encoding", "truncated"),
    ]

    /// `output` cut to fit `caps`, with its flags and notice; nil when it cannot be made to fit.
    /// An output already cut by the sandbox (a flag set) gets its notice too.
    static func fit(_ output: JSONValue, caps: OutputCaps) -> JSONValue? {
        guard var object = output.objectValue else { return nil }
        var guardCount = 0
        while true {
            // The notice is part of the output, so it is measured with it.
            notice(&object, caps: caps)
            guard let failure = caps.check(.object(object)) else { break }
            guardCount += 1
            if guardCount > 64 { return nil }
            if var matches = object["matches"]?.arrayValue, !matches.isEmpty, failure.reason == .outputTooLarge {
                let excess = JSONWriter.bytes(.object(object)).count - caps.maxOutputBytes
                let perMatch = max(1, JSONWriter.bytes(.array(matches)).count / matches.count)
                matches.removeLast(min(matches.count, max(1, excess / perMatch + 1)))
                object["matches"] = .array(matches)
                object["truncated"] = true
                continue
            }
            guard cutLargest(&object, caps: caps) else { return nil }
        }
        return .object(object)
    }

    /// Shortens the largest cuttable field so that the output's excess over the caps goes away;
    /// false when there is no field left to cut.
    private static func cutLargest(_ object: inout [String: JSONValue], caps: OutputCaps) -> Bool {
        let value = JSONValue.object(object)
        let candidates = streams.compactMap { stream -> (stream: (key: String, encoding: String, flag: String), bytes: [UInt8], size: Int)? in
            guard let text = object[stream.key]?.stringValue, !text.isEmpty,
                let bytes = BinaryText.bytes(in: value, key: stream.key, encodingKey: stream.encoding)
            else { return nil }
            return (stream, bytes, JSONWriter.bytes(.string(text)).count)
        }
        guard let largest = candidates.max(by: { $0.size < $1.size }), !largest.bytes.isEmpty else { return false }
        let excess = max(0, JSONWriter.bytes(value).count - caps.maxOutputBytes)
        let artifactExcess = max(0, (object[largest.stream.key]?.stringValue?.utf8.count ?? 0) - caps.maxArtifactBytes)
        // Scale the raw bytes by how much of the encoded field may stay, with a little margin.
        let keepEncoded = max(0, largest.size - max(excess, artifactExcess) - 16)
        var keep = Int(Double(largest.bytes.count) * Double(keepEncoded) / Double(max(largest.size, 1)))
        keep = min(keep, largest.bytes.count - 1)
        var bytes = Array(largest.bytes.prefix(max(0, keep)))
        // Whole characters: drop a cut UTF-8 sequence at the end, so text stays text.
        if String(validating: largest.bytes, as: UTF8.self) != nil {
            while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        }
        BinaryText.put(bytes, key: largest.stream.key, encodingKey: largest.stream.encoding, into: &object)
        object[largest.stream.flag] = true
        if largest.stream.key == "content" {
            let offset = object["offset"]?.intValue ?? 0
            object["bytes"] = .int(Int64(bytes.count))
            object["next_offset"] = .int(Int64(offset + bytes.count))
        }
        return true
    }

    /// A sentence for the caller (and the model reading it) when something was cut, itself within
    /// `tool_max_artifact_bytes`.
    private static func notice(_ object: inout [String: JSONValue], caps: OutputCaps) {
        sentence(&object, caps: caps)
        guard var text = object["notice"]?.stringValue, text.utf8.count > caps.maxArtifactBytes else { return }
        while text.utf8.count > caps.maxArtifactBytes { text.removeLast() }
        object["notice"] = .string(text)
    }

    private static func sentence(_ object: inout [String: JSONValue], caps: OutputCaps) {
        let limits = "tool_max_output_bytes is \(caps.maxOutputBytes), tool_max_artifact_bytes \(caps.maxArtifactBytes)"
        if object["truncated"]?.boolValue == true, let next = object["next_offset"]?.intValue {
            let returned = object["bytes"]?.intValue ?? 0
            object["notice"] = .string(
                "returned \(returned) bytes from offset \(object["offset"]?.intValue ?? 0) (\(limits)); read on with "
                    + "offset \(next) and limit \(max(returned, 1))")
            return
        }
        if object["truncated"]?.boolValue == true, let matches = object["matches"]?.arrayValue {
            object["notice"] = .string(
                "returned the first \(matches.count) matches (\(limits)); narrow the pattern or search a sub-directory with path")
            return
        }
        var cut: [String] = []
        for stream in streams where stream.key != "content" && object[stream.flag]?.boolValue == true {
            let kept = BinaryText.bytes(in: .object(object), key: stream.key, encodingKey: stream.encoding)?.count ?? 0
            cut.append("\(stream.key) cut to its first \(kept) bytes")
        }
        guard !cut.isEmpty else { return }
        object["notice"] = .string(
            cut.joined(separator: ", ") + " (\(limits)); redirect the output to a file and read it with fs.read offset/limit")
    }
}
