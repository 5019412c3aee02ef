import Sandbox

/// The daemon's answers for people: objects as indented `key: value` lines (keys sorted), arrays
/// as `-` items, scalars bare. Verbs with a natural table (project list, tools) print their own,
/// through `line`.
///
/// Everything printed here may hold names a tool chose (file names, asset names, error reasons
/// quoting them), and a name can hold terminal control sequences: ESC `]`… rewrites the window
/// title or the clipboard, CR and LF forge lines, bidi overrides reorder what is read. So every
/// string reaching the terminal goes through `escaped`.
enum HumanOutput {
    static func print(_ value: JSONValue) {
        for line in lines(value, indent: "") { Swift.print(line) }
    }

    /// Prints one line of human output, escaped (`escaped`).
    static func line(_ text: String) {
        Swift.print(escaped(text))
    }

    /// Prints a tab-separated row, each field escaped (a tab in a name cannot shift the columns).
    static func row(_ fields: String...) {
        Swift.print(fields.map { escaped($0) }.joined(separator: "\t"))
    }

    /// `text` with every control character written as a visible escape: C0 (ESC, CR, LF, TAB…)
    /// and DEL as `\xNN` (`\n`, `\r`, `\t`, `\e` for the common ones), C1 and the Unicode
    /// format controls that reorder or hide text (bidi overrides and isolates, zero-width
    /// characters) as `\u{NNNN}`. Idempotent (its output holds no control character), so a line
    /// built from escaped parts can go through it again. `keeping` lists characters passed through
    /// (a tool's own stdout keeps its line breaks).
    static func escaped(_ text: String, keeping: Set<Unicode.Scalar> = []) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if keeping.contains(scalar) {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x1B: out += "\\e"
            case 0x00...0x1F, 0x7F: out += "\\x" + hex(scalar.value, width: 2)
            case 0x80...0x9F, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF:
                out += "\\u{" + hex(scalar.value, width: 4) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func lines(_ value: JSONValue, indent: String) -> [String] {
        switch value {
        case .object(let members):
            if members.isEmpty { return [indent + "(none)"] }
            return members.keys.sorted().flatMap { key -> [String] in
                let member = members[key] ?? .null
                let name = escaped(key)
                if let scalar = scalar(member) { return ["\(indent)\(name): \(scalar)"] }
                return ["\(indent)\(name):"] + lines(member, indent: indent + "  ")
            }
        case .array(let items):
            if items.isEmpty { return [indent + "(none)"] }
            return items.flatMap { item -> [String] in
                if let scalar = scalar(item) { return ["\(indent)- \(scalar)"] }
                let nested = lines(item, indent: indent + "  ")
                guard let first = nested.first else { return [] }
                return [indent + "- " + first.dropFirst(indent.count + 2)] + nested.dropFirst()
            }
        default:
            return [indent + (scalar(value) ?? "")]
        }
    }

    /// A one-line rendering of a scalar or an empty container, escaped; nil for anything nested.
    static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return escaped(text)
        case .null: return "-"
        case .object(let members): return members.isEmpty ? "{}" : nil
        case .array(let items): return items.isEmpty ? "[]" : nil
        default: return JSONWriter.text(value)
        }
    }
}
