import Sandbox

/// Visits every string in a call's arguments with the key it sits under, wherever it is: nested
/// objects, lists (whose strings take the list's key), and strings that are themselves JSON
/// objects or arrays, which a tool may well decode (`"{\"path\": \"../x\"}"`): those are walked
/// instead of visited. Path and network extraction share it, so both look in the same places.
struct ArgumentWalker {
    /// How many layers of JSON-in-a-string are decoded. Each layer costs a parse of text already
    /// seen; past this depth a string is visited as text, so its URLs and `key=value` pairs are
    /// still found.
    static let maximumEncodedDepth = 8

    /// Where a string was found.
    struct Context {
        /// The nearest enclosing object key as written; nil at the top level.
        var key: String?
        /// The integer `port` member of the enclosing object, so that `{host, port}` reads as one
        /// endpoint.
        var port: Int?
    }

    /// Lowercased, as `ArgumentHints` keeps them.
    let dataKeys: Set<String>

    func walk(_ arguments: JSONValue, visit: (String, Context) -> Void) {
        walk(arguments, Context(), encodedDepth: 0, visit)
    }

    private func walk(_ value: JSONValue, _ context: Context, encodedDepth: Int, _ visit: (String, Context) -> Void) {
        switch value {
        case .string(let text):
            if encodedDepth < Self.maximumEncodedDepth, let decoded = Self.decodedContainer(text) {
                walk(decoded, context, encodedDepth: encodedDepth + 1, visit)
            } else {
                visit(text, context)
            }
        case .array(let elements):
            for element in elements { walk(element, context, encodedDepth: encodedDepth, visit) }
        case .object(let members):
            let port = members.first { $0.key.lowercased() == "port" }?.value.intValue
            // In key order, so that one call always gives the same findings in the same order.
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                guard !dataKeys.contains(key.lowercased()) else { continue }
                walk(member, Context(key: key, port: port), encodedDepth: encodedDepth, visit)
            }
        case .null, .bool, .int, .uint, .double:
            break
        }
    }

    /// The object or array a string encodes, if it is one. Scalars are not decoded: a quoted
    /// string or a number inside a string is not a form tools unwrap.
    private static func decodedContainer(_ text: String) -> JSONValue? {
        guard let first = text.utf8.first(where: { !Self.isJSONWhitespace($0) }),
            first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        else { return nil }
        switch try? JSONParser.parse(text) {
        case .some(let value) where value.arrayValue != nil || value.objectValue != nil: return value
        default: return nil
        }
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
