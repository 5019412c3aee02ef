import Sandbox

/// The one strict reader of event payloads: every typed member is read through it, and `finish`
/// refuses members nobody read, so a payload decodes only into exactly what its type holds. The
/// payload types whose old writers copied open records (a policy finding's evidence, a violation,
/// a connection record) take the rest with `remaining()` instead.
public struct PayloadReader {
    public let kind: EventKind
    private var members: [String: JSONValue]

    init(kind: EventKind, json: JSONValue) throws(EventPayloadError) {
        guard case .object(let members) = json else {
            throw EventPayloadError(kind: kind, field: "", reason: "not a JSON object")
        }
        self.kind = kind
        self.members = members
    }

    func fail(_ field: String, _ reason: String) -> EventPayloadError {
        EventPayloadError(kind: kind, field: field, reason: reason)
    }

    /// Whether the member is there (to tell the shapes of one kind apart).
    public func has(_ key: String) -> Bool { members[key] != nil }

    private mutating func take(_ key: String) -> JSONValue? {
        members.removeValue(forKey: key)
    }

    public mutating func string(_ key: String) throws(EventPayloadError) -> String {
        guard let value = take(key) else { throw fail(key, "missing") }
        guard case .string(let text) = value else { throw fail(key, "not a string") }
        return text
    }

    /// Absent and `null` both read as nil.
    public mutating func optionalString(_ key: String) throws(EventPayloadError) -> String? {
        guard let value = take(key), !value.isNull else { return nil }
        guard case .string(let text) = value else { throw fail(key, "not a string or null") }
        return text
    }

    public mutating func int(_ key: String) throws(EventPayloadError) -> Int64 {
        guard let value = take(key) else { throw fail(key, "missing") }
        return try integer(key, value)
    }

    public mutating func optionalInt(_ key: String) throws(EventPayloadError) -> Int64? {
        guard let value = take(key), !value.isNull else { return nil }
        return try integer(key, value)
    }

    private func integer(_ key: String, _ value: JSONValue) throws(EventPayloadError) -> Int64 {
        switch value {
        case .int(let number): return number
        case .uint(let number):
            guard let number = Int64(exactly: number) else { throw fail(key, "out of range") }
            return number
        default: throw fail(key, "not an integer")
        }
    }

    public mutating func uint(_ key: String) throws(EventPayloadError) -> UInt64 {
        guard let value = take(key), let number = value.uint64Value else { throw fail(key, "missing or not a non-negative integer") }
        return number
    }

    public mutating func bool(_ key: String) throws(EventPayloadError) -> Bool {
        guard let value = take(key) else { throw fail(key, "missing") }
        guard case .bool(let flag) = value else { throw fail(key, "not a boolean") }
        return flag
    }

    /// An RFC 3339 time as `Timestamp.rfc3339(ms:)` writes it, as milliseconds.
    public mutating func time(_ key: String) throws(EventPayloadError) -> Int64 {
        let text = try string(key)
        guard let ms = Timestamp.parseRFC3339(text) else { throw fail(key, "not an RFC 3339 time: '\(text)'") }
        return ms
    }

    public mutating func word<Word: RawRepresentable<String>>(_ key: String, as _: Word.Type) throws(EventPayloadError) -> Word {
        let text = try string(key)
        guard let word = Word(rawValue: text) else { throw fail(key, "unknown value '\(text)'") }
        return word
    }

    public mutating func optionalWord<Word: RawRepresentable<String>>(
        _ key: String, as _: Word.Type
    ) throws(EventPayloadError) -> Word? {
        guard let text = try optionalString(key) else { return nil }
        guard let word = Word(rawValue: text) else { throw fail(key, "unknown value '\(text)'") }
        return word
    }

    public mutating func strings(_ key: String) throws(EventPayloadError) -> [String] {
        guard let value = take(key) else { throw fail(key, "missing") }
        return try stringArray(key, value)
    }

    public mutating func optionalStrings(_ key: String) throws(EventPayloadError) -> [String]? {
        guard let value = take(key) else { return nil }
        return try stringArray(key, value)
    }

    private func stringArray(_ key: String, _ value: JSONValue) throws(EventPayloadError) -> [String] {
        guard case .array(let elements) = value else { throw fail(key, "not an array") }
        var out: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else { throw fail("\(key)[\(index)]", "not a string") }
            out.append(text)
        }
        return out
    }

    public mutating func words<Word: RawRepresentable<String>>(_ key: String, as _: Word.Type) throws(EventPayloadError) -> [Word] {
        try strings(key).enumerated().map { (index, text) throws(EventPayloadError) -> Word in
            guard let word = Word(rawValue: text) else { throw fail("\(key)[\(index)]", "unknown value '\(text)'") }
            return word
        }
    }

    public mutating func optionalWords<Word: RawRepresentable<String>>(
        _ key: String, as type: Word.Type
    ) throws(EventPayloadError) -> [Word]? {
        guard members[key] != nil else { return nil }
        return try words(key, as: type)
    }

    /// A member whose value is JSON by nature (a tool's arguments, a finding's list).
    public mutating func json(_ key: String) throws(EventPayloadError) -> JSONValue {
        guard let value = take(key) else { throw fail(key, "missing") }
        return value
    }

    public mutating func optionalJSON(_ key: String) -> JSONValue? {
        take(key)
    }

    /// Present-or-absent of a member whose present value may be `null` (written as the old code did).
    public mutating func presentString(_ key: String) throws(EventPayloadError) -> String?? {
        guard let value = take(key) else { return .none }
        if value.isNull { return .some(nil) }
        guard case .string(let text) = value else { throw fail(key, "not a string or null") }
        return .some(text)
    }

    public mutating func object(_ key: String) throws(EventPayloadError) -> [String: JSONValue] {
        guard let value = take(key) else { throw fail(key, "missing") }
        guard case .object(let object) = value else { throw fail(key, "not an object") }
        return object
    }

    /// The members not read yet, for the types that carry an open record.
    public mutating func remaining() -> [String: JSONValue] {
        defer { members = [:] }
        return members
    }

    /// Refuses members nobody read: a member the type does not know is a corrupt or foreign row.
    public func finish() throws(EventPayloadError) {
        if let extra = members.keys.sorted().first {
            throw fail(extra, "unknown member for this kind")
        }
    }
}

/// Writes a payload's members, leaving out optional ones that are absent (as the old writers did).
struct PayloadWriter {
    private(set) var members: [String: JSONValue] = [:]

    init(_ base: [String: JSONValue] = [:]) { members = base }

    subscript(key: String) -> JSONValue? {
        get { members[key] }
        set { members[key] = newValue }
    }

    mutating func set(_ key: String, _ text: String?) { if let text { members[key] = .string(text) } }
    mutating func set(_ key: String, _ number: Int64?) { if let number { members[key] = .int(number) } }
    mutating func set<Word: RawRepresentable<String>>(_ key: String, _ word: Word?) {
        if let word { members[key] = .string(word.rawValue) }
    }
    mutating func set(_ key: String, _ texts: [String]?) { if let texts { members[key] = .array(texts.map(JSONValue.string)) } }
    mutating func set<Word: RawRepresentable<String>>(_ key: String, _ words: [Word]?) {
        if let words { members[key] = .array(words.map { .string($0.rawValue) }) }
    }
    /// Written as `null` when nil: the members the old writers always wrote.
    mutating func setOrNull(_ key: String, _ text: String?) { members[key] = text.map(JSONValue.string) ?? .null }
    mutating func setOrNull(_ key: String, _ number: Int64?) { members[key] = number.map(JSONValue.int) ?? .null }

    var json: JSONValue { .object(members) }
}
