import Sandbox

/// Reads option values one by one and records every problem instead of stopping at the first.
/// Each method returns nil when the value is invalid, with the reason already in `errors`.
struct OptionReader {
    private(set) var errors: [OptionError] = []

    mutating func fail(_ key: String, _ kind: OptionError.Kind) {
        errors.append(OptionError(key: key, kind: kind))
    }

    mutating func integer(_ value: JSONValue, _ key: String, in range: ClosedRange<Int>) -> Int? {
        switch value {
        case .int, .uint:
            guard let integer = value.intValue, range.contains(integer) else {
                fail(key, .outOfRange(range, got: value))
                return nil
            }
            return integer
        default:
            fail(key, .wrongType(expected: .integer, got: value))
            return nil
        }
    }

    mutating func bool(_ value: JSONValue, _ key: String) -> Bool? {
        guard let bool = value.boolValue else {
            fail(key, .wrongType(expected: .boolean, got: value))
            return nil
        }
        return bool
    }

    /// A non-empty string without NUL.
    mutating func string(_ value: JSONValue, _ key: String) -> String? {
        guard let text = value.stringValue else {
            fail(key, .wrongType(expected: .string, got: value))
            return nil
        }
        guard !text.isEmpty else {
            fail(key, .empty)
            return nil
        }
        guard !text.utf8.contains(0) else {
            fail(key, .containsNUL)
            return nil
        }
        return text
    }

    /// One of the raw values of `T`.
    mutating func word<T: RawRepresentable & CaseIterable>(_ value: JSONValue, _ key: String, as _: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(value, key) else { return nil }
        guard let word = T(rawValue: text) else {
            fail(key, .unknownValue(text, allowed: T.allCases.map(\.rawValue)))
            return nil
        }
        return word
    }

    /// A list whose every element `element` accepts; `element` gets the element's key, `key[i]`.
    mutating func list<T>(
        _ value: JSONValue, _ key: String, _ element: (inout OptionReader, JSONValue, String) -> T?
    ) -> [T]? {
        guard let elements = value.arrayValue else {
            fail(key, .wrongType(expected: .array, got: value))
            return nil
        }
        let errorCount = errors.count
        let parsed = elements.enumerated().compactMap { index, member in element(&self, member, "\(key)[\(index)]") }
        return errors.count == errorCount ? parsed : nil
    }

    /// An object whose keys are all among `keys`.
    mutating func object(_ value: JSONValue, _ key: String, keys: Set<String>) -> [String: JSONValue]? {
        guard let members = value.objectValue else {
            fail(key, .wrongType(expected: .object, got: value))
            return nil
        }
        let unknown = members.keys.filter { !keys.contains($0) }.sorted()
        for name in unknown { fail("\(key).\(name)", .unknownKey) }
        return unknown.isEmpty ? members : nil
    }
}
