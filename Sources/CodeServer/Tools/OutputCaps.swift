import Sandbox

/// The caps on what a call may hand back: the whole output (`tool_max_output_bytes`, measured as
/// the compact JSON the client receives) and each artifact in it (`tool_max_artifact_bytes`).
///
/// An artifact is every string in the output at any depth (a file's content, stdout, a list
/// entry's name, a string inside an object inside a list), so nesting a large blob one level down
/// does not get it past the cap.
public struct OutputCaps: Sendable, Equatable {
    public var maxOutputBytes: Int
    public var maxArtifactBytes: Int

    public init(maxOutputBytes: Int, maxArtifactBytes: Int) {
        self.maxOutputBytes = maxOutputBytes
        self.maxArtifactBytes = maxArtifactBytes
    }

    /// Nil when `output` is within both caps; otherwise the failure naming the cap and, for an
    /// artifact, its path (`output.entries[2].name`).
    public func check(_ output: JSONValue) -> ToolFailure? {
        let size = JSONWriter.bytes(output).count
        if size > maxOutputBytes {
            return ToolFailure(.outputTooLarge, "the output is \(size) bytes; tool_max_output_bytes is \(maxOutputBytes)")
        }
        var failure: ToolFailure?
        Self.walkStrings(output, path: "output") { text, path in
            let bytes = text.utf8.count
            guard failure == nil, bytes > maxArtifactBytes else { return }
            failure = ToolFailure(
                .artifactTooLarge, "\(path) is \(bytes) bytes; tool_max_artifact_bytes is \(maxArtifactBytes)")
        }
        return failure
    }

    /// Calls `visit` with every string in `value` and its path, depth first, object members in
    /// key order so the first one reported is the same on every run.
    static func walkStrings(_ value: JSONValue, path: String, _ visit: (String, String) -> Void) {
        switch value {
        case .string(let text): visit(text, path)
        case .array(let elements):
            for (index, element) in elements.enumerated() { walkStrings(element, path: "\(path)[\(index)]", visit) }
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) { walkStrings(member, path: "\(path).\(key)", visit) }
        case .null, .bool, .int, .uint, .double: break
        }
    }
}
