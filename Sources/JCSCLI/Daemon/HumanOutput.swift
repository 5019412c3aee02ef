import Sandbox

/// The daemon's answers for people: objects as indented `key: value` lines (keys sorted), arrays
/// as `-` items, scalars bare. Verbs with a natural table (project list, tools) print their own.
enum HumanOutput {
    static func print(_ value: JSONValue) {
        for line in lines(value, indent: "") { Swift.print(line) }
    }

    static func lines(_ value: JSONValue, indent: String) -> [String] {
        switch value {
        case .object(let members):
            if members.isEmpty { return [indent + "(none)"] }
            return members.keys.sorted().flatMap { key -> [String] in
                let member = members[key] ?? .null
                if let scalar = scalar(member) { return ["\(indent)\(key): \(scalar)"] }
                return ["\(indent)\(key):"] + lines(member, indent: indent + "  ")
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

    /// A one-line rendering of a scalar or an empty container; nil for anything nested.
    static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .null: return "-"
        case .object(let members): return members.isEmpty ? "{}" : nil
        case .array(let items): return items.isEmpty ? "[]" : nil
        default: return JSONWriter.text(value)
        }
    }
}
