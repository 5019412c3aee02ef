import Sandbox

extension RuntimeEvent {
    /// Roughly what the event holds in memory: its payload's text (keys and strings) and a fixed
    /// part for the ids, numbers and bookkeeping. What the recent rings budget by: a tool's
    /// output or a user's message is tens of KiB where most events are a few hundred bytes, so a
    /// count alone does not bound a ring's memory. An estimate, not the encoded size.
    var footprint: Int { 256 + payload.json.textBytes }
}

extension JSONValue {
    /// UTF-8 bytes of every key and string, and 8 for every other value.
    fileprivate var textBytes: Int {
        switch self {
        case .string(let text): text.utf8.count
        case .array(let elements): elements.reduce(0) { $0 + $1.textBytes }
        case .object(let members): members.reduce(0) { $0 + $1.key.utf8.count + $1.value.textBytes }
        case .null, .bool, .int, .uint, .double: 8
        }
    }
}
