import Sandbox

extension JSONValue {
    /// UTF-8 bytes of every key and string, and 8 for every other value: what a payload's text
    /// costs to keep, near enough. The memory bounds that weigh payloads (`KeptResults`, the
    /// hub's recent rings through `RuntimeEvent.footprint`) count with it.
    var textBytes: Int {
        switch self {
        case .string(let text): text.utf8.count
        case .array(let elements): elements.reduce(0) { $0 + $1.textBytes }
        case .object(let members): members.reduce(0) { $0 + $1.key.utf8.count + $1.value.textBytes }
        case .null, .bool, .int, .uint, .double: 8
        }
    }
}
