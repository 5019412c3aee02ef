import Sandbox
import Yams

/// One parameter of a command (or input of a workflow): its type and constraints, from which the
/// tool's JSON input schema is derived, so the gate checks every call before anything runs.
public struct ParameterSpec: Sendable, Equatable {
    public enum ValueType: String, Sendable, CaseIterable {
        case string
        case integer
        case number
        case boolean
    }

    /// Lowercase letters, digits and `_`, starting with a letter: it is also the suffix of the
    /// `JCS_PARAM_<NAME>` variable a script reads.
    public var name: String
    public var type: ValueType
    public var required: Bool
    public var defaultValue: JSONValue?
    public var allowed: [JSONValue]?
    public var description: String?

    /// The property schema of this parameter.
    public var schema: JSONValue {
        var object: [String: JSONValue] = ["type": .string(type.rawValue)]
        if let allowed { object["enum"] = .array(allowed) }
        if let description { object["description"] = .string(description) }
        if let defaultValue { object["default"] = defaultValue }
        return .object(object)
    }

    /// The object schema of a parameter list; `extra` adds properties that are not parameters
    /// (a command's `env`).
    static func objectSchema(_ parameters: [ParameterSpec], extra: [String: JSONValue] = [:]) -> JSONValue {
        var properties = extra
        for parameter in parameters { properties[parameter.name] = parameter.schema }
        return [
            "type": "object", "additionalProperties": false, "properties": .object(properties),
            "required": .array(parameters.filter(\.required).map { .string($0.name) }),
        ]
    }

    /// The value of a call: the argument, or the default.
    func value(in arguments: JSONValue) -> JSONValue? { arguments[name] ?? defaultValue }

    /// A value as the text an argv element or environment variable carries.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .uint(let number): String(number)
        case .double(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .null: ""
        case .array, .object: value.description
        }
    }

    /// Parses a `params:`/`inputs:` mapping (name → spec), in file order.
    static func parseList(_ mapping: YAMLMapping?, reserved: Set<String>, context: String) throws(AssetParseError)
        -> [ParameterSpec]
    {
        guard let mapping else { return [] }
        var out: [ParameterSpec] = []
        for entry in mapping.entries {
            let where_ = "\(context) '\(entry.key)'"
            let validName =
                (1...64).contains(entry.key.count) && entry.key.first?.isLowercase == true
                && entry.key.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
            guard validName else {
                throw .field(entry.keyLine, "\(where_): names are lowercase letters, digits and '_', starting with a letter")
            }
            guard !reserved.contains(entry.key) else { throw .field(entry.keyLine, "\(where_): the name is reserved") }
            guard case .mapping(let nested) = entry.value else {
                throw .field(entry.keyLine, "\(where_): must be a mapping with at least 'type'")
            }
            let spec = YAMLMapping(mapping: nested, lineOffset: mapping.lineOffset, line: mapping.line(of: entry.value))
            out.append(try parse(spec, name: entry.key, context: where_))
        }
        return out
    }

    private static func parse(_ spec: YAMLMapping, name: String, context: String) throws(AssetParseError) -> ParameterSpec {
        try spec.requireKnownKeys(["type", "required", "default", "enum", "description"], in: context)
        let typeName = try spec.string("type", required: true, in: context) ?? ""
        guard let type = ValueType(rawValue: typeName) else {
            throw .field(spec.line(of: spec["type"]!), "\(context): type '\(typeName)' is not one of string, integer, number, boolean")
        }
        var required = false
        if let node = spec["required"] {
            guard node.tagName == .bool, let flag = node.bool else {
                throw .field(spec.line(of: node), "\(context): 'required' must be true or false")
            }
            required = flag
        }
        var parameter = ParameterSpec(
            name: name, type: type, required: required, defaultValue: spec["default"].map(YAMLMapping.json),
            allowed: nil, description: try spec.string("description", in: context))
        if let node = spec["enum"] {
            guard case .sequence(let values) = node, !values.isEmpty else {
                throw .field(spec.line(of: node), "\(context): 'enum' must be a non-empty list")
            }
            parameter.allowed = values.map(YAMLMapping.json)
            let typeOnly: JSONValue = ["type": .string(type.rawValue)]
            for value in parameter.allowed ?? [] where !SchemaValidator().validate(value, against: typeOnly).isEmpty {
                throw .field(spec.line(of: node), "\(context): enum value \(value) is not of type \(type.rawValue)")
            }
        }
        if let value = parameter.defaultValue, let node = spec["default"] {
            guard !required else { throw .field(spec.line(of: node), "\(context): a parameter with a default is not required") }
            if let violation = SchemaValidator().validate(value, against: parameter.schema, path: "default").first {
                throw .field(spec.line(of: node), "\(context): \(violation)")
            }
        }
        return parameter
    }
}
