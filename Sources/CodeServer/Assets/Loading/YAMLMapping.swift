import Sandbox
import Yams

/// A YAML mapping read field by field, every error carrying the line of the node at fault
/// (file lines: Yams' marks plus the offset of the front matter).
///
/// Keys a format does not know are refused (`requireKnownKeys`), as the profile decoder does: a
/// misspelt `timeout_msec` must not silently fall back to a default.
struct YAMLMapping {
    let mapping: Node.Mapping
    let lineOffset: Int
    /// The line of the mapping itself.
    let line: Int?

    /// Composes `yaml` (one document) into its top-level mapping.
    static func compose(_ yaml: String, lineOffset: Int) throws(AssetParseError) -> YAMLMapping {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw YAMLErrorLine.parseError(error, lineOffset: lineOffset)
        }
        guard let node, case .mapping(let mapping) = node else {
            throw AssetParseError.field(1 + lineOffset, "the front matter must be a mapping of fields")
        }
        return YAMLMapping(mapping: mapping, lineOffset: lineOffset, line: node.mark.map { $0.line + lineOffset })
    }

    init(mapping: Node.Mapping, lineOffset: Int, line: Int?) {
        self.mapping = mapping
        self.lineOffset = lineOffset
        self.line = line
    }

    /// The file line of `node`.
    func line(of node: Node) -> Int? { node.mark.map { $0.line + lineOffset } ?? line }

    subscript(key: String) -> Node? { mapping[key] }

    /// Refuses keys outside `known`, naming the first unknown one and its line.
    func requireKnownKeys(_ known: Set<String>, in context: String) throws(AssetParseError) {
        for (key, _) in mapping {
            let name = key.string ?? ""
            guard known.contains(name) else {
                throw .field(line(of: key), "\(context): unknown field '\(name)' (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// A string field: nil when absent and not `required`.
    func string(_ key: String, required: Bool = false, in context: String) throws(AssetParseError) -> String? {
        guard let node = mapping[key] else {
            if required { throw .field(line, "\(context): '\(key)' is required") }
            return nil
        }
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            throw .field(line(of: node), "\(context): '\(key)' must be a string")
        }
        return scalar.string
    }

    /// An integer field within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>, context: String) throws(AssetParseError) -> Int? {
        guard let node = mapping[key] else { return nil }
        guard node.tagName == .int, let value = node.int else {
            throw .field(line(of: node), "\(context): '\(key)' must be an integer")
        }
        guard range.contains(value) else {
            throw .field(line(of: node), "\(context): '\(key)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// A nested mapping field.
    func mapping(_ key: String, context: String) throws(AssetParseError) -> YAMLMapping? {
        guard let node = mapping[key] else { return nil }
        if node.tagName == .null { return YAMLMapping(mapping: [:], lineOffset: lineOffset, line: line(of: node)) }
        guard case .mapping(let nested) = node else {
            throw .field(line(of: node), "\(context): '\(key)' must be a mapping")
        }
        return YAMLMapping(mapping: nested, lineOffset: lineOffset, line: line(of: node))
    }

    /// A sequence field.
    func sequence(_ key: String, context: String) throws(AssetParseError) -> [Node]? {
        guard let node = mapping[key] else { return nil }
        if node.tagName == .null { return [] }
        guard case .sequence(let sequence) = node else {
            throw .field(line(of: node), "\(context): '\(key)' must be a list")
        }
        return Array(sequence)
    }

    /// A list of strings.
    func strings(_ key: String, context: String) throws(AssetParseError) -> [String]? {
        guard let nodes = try sequence(key, context: context) else { return nil }
        var out: [String] = []
        for node in nodes {
            guard case .scalar(let scalar) = node, node.tagName != .null else {
                throw .field(line(of: node), "\(context): every element of '\(key)' must be a string")
            }
            out.append(scalar.string)
        }
        return out
    }

    /// The entries of a mapping in file order, keys as strings.
    var entries: [(key: String, keyLine: Int?, value: Node)] {
        mapping.map { (key: $0.key.string ?? "", keyLine: line(of: $0.key), value: $0.value) }
    }

    /// A YAML node as a JSON value: scalars by their resolved tag (`42` an integer, `"42"` a
    /// string, `true` a boolean), mappings with their keys as strings. Aliases are refused
    /// upstream by Yams' composer resolving them; an unresolvable one becomes null.
    static func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch node.tagName {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
            case .float: return node.float.map(JSONValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = json(value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .alias:
            return .null
        }
    }
}

extension Node {
    /// The resolved tag's name (`tag:yaml.org,2002:int` for a plain `42`); Yams keeps `Tag.name`
    /// internal, so it is rebuilt from the public raw value.
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
