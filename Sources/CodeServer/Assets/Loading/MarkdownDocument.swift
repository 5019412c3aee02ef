import Yams

/// One asset file split into its YAML front matter and its markdown body.
///
/// The front matter is the block between a first line `---` and the next line `---` (or `...`).
/// Bytes are checked as UTF-8 first, so a bad sequence is reported with its line instead of being
/// replaced silently, and the YAML is composed (not decoded) so every node keeps its line.
struct MarkdownDocument {
    /// The front matter's top-level mapping; nil when the file has none (allowed for skill graph
    /// nodes only).
    var frontMatter: YAMLMapping?
    var body: String
    /// The file line the body starts on.
    var bodyLine: Int

    static func parse(_ bytes: [UInt8], requireFrontMatter: Bool) throws(AssetParseError) -> MarkdownDocument {
        let text = try decodeUTF8(bytes)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        guard lines.first == "---" else {
            if requireFrontMatter {
                throw AssetParseError(.missingFrontMatter, line: 1, "the file must start with a '---' front matter line")
            }
            return MarkdownDocument(frontMatter: nil, body: text, bodyLine: 1)
        }
        guard let closing = lines.indices.dropFirst().first(where: { lines[$0] == "---" || lines[$0] == "..." }) else {
            throw AssetParseError(.missingFrontMatter, line: 1, "the front matter opened on line 1 is never closed by '---'")
        }
        let yaml = lines[1..<closing].joined(separator: "\n")
        let body = lines[(closing + 1)...].joined(separator: "\n")
        // Yams counts from the line after the opening `---`, which is line 2 of the file.
        let mapping = try YAMLMapping.compose(yaml, lineOffset: 1)
        return MarkdownDocument(frontMatter: mapping, body: body, bodyLine: closing + 2)
    }

    /// The text, or `invalid_utf8` with the line on which the first bad sequence starts.
    private static func decodeUTF8(_ bytes: [UInt8]) throws(AssetParseError) -> String {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var line = 1
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\n" { line += 1 }
            case .emptyInput: break decoding
            case .error: throw AssetParseError(.invalidUTF8, line: line, "the file is not valid UTF-8")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
