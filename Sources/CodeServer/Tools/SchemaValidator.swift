import Sandbox

/// One way a value fails its schema: where (`args.limit`, `args.argv[2]`) and why.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Checks tool arguments against a tool's input schema: the subset of JSON Schema the catalog
/// uses (`type`, `required`, `properties`, `additionalProperties`, `items`, `enum`, `minimum`,
/// `maximum`, `minLength`, `maxLength`, `pattern`).
///
/// Every violation is reported, not just the first, so a client fixes a call in one round. A
/// schema keyword this validator does not know is ignored only because the catalog's schemas are
/// ours and tested; schemas from outside must not be fed to it.
public struct SchemaValidator: Sendable {
    public init() {}

    /// The violations of `value` against `schema`; empty when it conforms. `path` names the root
    /// (`args` for tool arguments).
    public func validate(_ value: JSONValue, against schema: JSONValue, path: String = "args") -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        check(value, schema, path, &violations)
        return violations
    }

    private func check(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ out: inout [SchemaViolation]) {
        if let types = Self.types(schema["type"]), !types.contains(where: { Self.value(value, is: $0) }) {
            out.append(SchemaViolation(
                path: path, reason: "expected \(types.joined(separator: " or ")), got \(Self.typeName(value))"))
            return
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            out.append(SchemaViolation(
                path: path, reason: "must be one of \(allowed.map(\.description).joined(separator: ", "))"))
        }
        switch value {
        case .string(let text): checkString(text, schema, path, &out)
        case .int, .uint, .double: checkNumber(value, schema, path, &out)
        case .array(let elements): checkArray(elements, schema, path, &out)
        case .object(let members): checkObject(members, schema, path, &out)
        case .null, .bool: break
        }
    }

    private func checkString(_ text: String, _ schema: JSONValue, _ path: String, _ out: inout [SchemaViolation]) {
        // JSON Schema counts characters as code points.
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"]?.intValue, length < minimum {
            out.append(SchemaViolation(path: path, reason: "must be at least \(minimum) characters long"))
        }
        if let maximum = schema["maxLength"]?.intValue, length > maximum {
            out.append(SchemaViolation(path: path, reason: "must be at most \(maximum) characters long"))
        }
        if let pattern = schema["pattern"]?.stringValue {
            do {
                if try Regex(pattern).firstMatch(in: text) == nil {
                    out.append(SchemaViolation(path: path, reason: "must match the pattern \(pattern)"))
                }
            } catch {
                out.append(SchemaViolation(path: path, reason: "the schema's pattern \(pattern) is not a valid regex"))
            }
        }
    }

    private func checkNumber(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ out: inout [SchemaViolation]) {
        guard let number = value.doubleValue else { return }
        if let minimum = schema["minimum"], let bound = minimum.doubleValue, number < bound {
            out.append(SchemaViolation(path: path, reason: "must be at least \(minimum)"))
        }
        if let maximum = schema["maximum"], let bound = maximum.doubleValue, number > bound {
            out.append(SchemaViolation(path: path, reason: "must be at most \(maximum)"))
        }
    }

    private func checkArray(_ elements: [JSONValue], _ schema: JSONValue, _ path: String, _ out: inout [SchemaViolation]) {
        if let minimum = schema["minItems"]?.intValue, elements.count < minimum {
            out.append(SchemaViolation(path: path, reason: "must have at least \(minimum) items"))
        }
        if let maximum = schema["maxItems"]?.intValue, elements.count > maximum {
            out.append(SchemaViolation(path: path, reason: "must have at most \(maximum) items"))
        }
        guard let items = schema["items"] else { return }
        for (index, element) in elements.enumerated() { check(element, items, "\(path)[\(index)]", &out) }
    }

    private func checkObject(
        _ members: [String: JSONValue], _ schema: JSONValue, _ path: String, _ out: inout [SchemaViolation]
    ) {
        let properties = schema["properties"]?.objectValue ?? [:]
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            out.append(SchemaViolation(path: "\(path).\(name)", reason: "is required"))
        }
        // Sorted, so the violations come out in the same order on every run.
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let property = properties[name] {
                check(member, property, "\(path).\(name)", &out)
                continue
            }
            switch schema["additionalProperties"] {
            case .bool(false)?: out.append(SchemaViolation(path: "\(path).\(name)", reason: "is not an allowed argument"))
            case let extra? where extra.objectValue != nil: check(member, extra, "\(path).\(name)", &out)
            default: break
            }
        }
    }

    private static func types(_ type: JSONValue?) -> [String]? {
        switch type {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap(\.stringValue)
        default: nil
        }
    }

    private static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .int), ("integer", .uint), ("number", .int), ("number", .uint), ("number", .double): true
        // 3.0 is an integer to JSON Schema.
        case ("integer", .double(let d)): d.rounded() == d && d.isFinite
        default: false
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int, .uint: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
