/// Writes a `JSONValue` as compact JSON text: no whitespace between tokens, so the result is always
/// one line (newlines inside strings are escaped).
public enum JSONWriter {
    public enum Style: Sendable {
        /// Object keys in whatever order the dictionary holds them, which differs between processes.
        /// For messages that are only ever parsed again.
        case compact
        /// Object keys sorted by their UTF-8 bytes, so equal values always give identical text: the
        /// form to hash, to compare, or to show people.
        case canonical
    }

    public static func bytes(_ value: JSONValue, style: Style = .compact) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, style: style, to: &output)
        return output
    }

    public static func text(_ value: JSONValue, style: Style = .compact) -> String {
        String(decoding: bytes(value, style: style), as: UTF8.self)
    }

    /// The value's text followed by "\n": one record of a JSON-lines stream.
    public static func jsonLine(_ value: JSONValue, style: Style = .compact) -> String {
        var output = bytes(value, style: style)
        output.append(UInt8(ascii: "\n"))
        return String(decoding: output, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, style: Style, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): output.append(contentsOf: String(number).utf8)
        case .uint(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number):
            // JSON has no infinity or NaN; null is what JSON.stringify writes for them too.
            output.append(contentsOf: (number.isFinite ? number.description : "null").utf8)
        case .string(let string): writeString(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                write(element, style: style, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let ordered = switch style {
            case .compact: Array(members)
            case .canonical: members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            }
            for (position, member) in ordered.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, style: style, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Escapes only what RFC 8259 requires (quote, backslash, U+0000 to U+001F), using the short
    /// forms where they exist, so there is exactly one spelling of each string.
    private static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        if string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            for byte in string.utf8 {
                writeEscaped(byte, to: &output)
            }
        } else {
            // The common case, copied whole rather than byte by byte.
            output.append(contentsOf: string.utf8)
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
        case UInt8(ascii: "\n"): output.append(contentsOf: #"\n"#.utf8)
        case UInt8(ascii: "\r"): output.append(contentsOf: #"\r"#.utf8)
        case UInt8(ascii: "\t"): output.append(contentsOf: #"\t"#.utf8)
        case 0x08: output.append(contentsOf: #"\b"#.utf8)
        case 0x0C: output.append(contentsOf: #"\f"#.utf8)
        case 0x00 ..< 0x20:
            output.append(contentsOf: #"\u00"#.utf8)
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0xF)])
        default: output.append(byte)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
