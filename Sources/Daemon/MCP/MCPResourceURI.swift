import CodeServer

/// The address of a project asset as an MCP resource: `jcs://project/{project}/{directory}/{name}`,
/// the directory being the asset kind's own under `.jido/` (`skills`, `commands`, `workflows`,
/// `skill_graph`) and the name percent-encoded (skill graph nodes may hold spaces). Stable across
/// reloads: it names the asset, not a file, and is only ever looked up in the asset snapshot, so
/// no URI reaches the host's file system whatever it holds.
struct MCPResourceURI: Sendable, Equatable {
    static let scheme = "jcs://project/"
    /// Longer URIs are refused before they are read.
    static let maximumLength = 1024

    var projectId: String
    var kind: AssetKind
    var name: String

    var text: String {
        Self.scheme + Self.encode(projectId) + "/" + kind.directory + "/" + Self.encode(name)
    }

    /// What is wrong with a URI, for the -32602 answer.
    struct Refusal: Error, Sendable, Equatable {
        var reason: String
    }

    /// Parses `text` strictly: the scheme, exactly three segments, none empty, `.` or `..`
    /// (before or after decoding), no control byte, valid percent-escapes, a known directory.
    static func parse(_ text: String) throws(Refusal) -> MCPResourceURI {
        guard text.utf8.count <= maximumLength else {
            throw Refusal(reason: "longer than \(maximumLength) bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw Refusal(reason: "contains a control character")
        }
        guard text.hasPrefix(scheme) else {
            throw Refusal(reason: "must start with '\(scheme)' (jcs://project/{project}/{kind directory}/{name})")
        }
        let segments = text.dropFirst(scheme.count).split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw Refusal(reason: "must have exactly three segments after '\(scheme)': {project}/{kind directory}/{name}")
        }
        var decoded: [String] = []
        for segment in segments {
            guard !segment.isEmpty else { throw Refusal(reason: "has an empty segment") }
            let value = try decode(segment)
            guard value != "." && value != ".." && segment != "." && segment != ".." else {
                throw Refusal(reason: "has a '.' or '..' segment")
            }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw Refusal(reason: "encodes a control character")
            }
            decoded.append(value)
        }
        guard let kind = AssetKind.allCases.first(where: { $0.directory == decoded[1] }) else {
            let known = AssetKind.allCases.map(\.directory).joined(separator: ", ")
            throw Refusal(reason: "names no asset kind '\(decoded[1])' (known: \(known))")
        }
        return MCPResourceURI(projectId: decoded[0], kind: kind, name: decoded[2])
    }

    /// RFC 3986 unreserved characters stay; every other byte is %XX.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.isASCIILetterOrDigit || "-._~".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    private static func decode(_ segment: Substring) throws(Refusal) -> String {
        guard segment.contains("%") else { return String(segment) }
        var bytes: [UInt8] = []
        var utf8 = segment.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            let digits = utf8.prefix(2)
            guard digits.count == 2, let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) else {
                throw Refusal(reason: "has an invalid percent-escape")
            }
            utf8 = utf8.dropFirst(2)
            bytes.append(value)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Refusal(reason: "percent-encodes invalid UTF-8")
        }
        return text
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetterOrDigit: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
