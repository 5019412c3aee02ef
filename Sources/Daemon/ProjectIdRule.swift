/// The alphabet of a project id given at start (`docs/api.md`): 1 to 64 of `A-Z a-z 0-9 . _ -`,
/// starting with a letter or digit. An id appears in paths (`/v1/projects/{id}`), metric labels,
/// log lines and file names of the journal, so no `/`, space, quote, backslash or control
/// character may be in it; one that breaks the rule is refused with the rule, never rewritten.
enum ProjectIdRule {
    static let text = "1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit"

    static func problem(_ id: String) -> String? {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count) else { return "is \(bytes.count) bytes long; a project id is \(text)" }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard isAlphanumeric(bytes[0]) else { return "must start with a letter or digit; a project id is \(text)" }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { return "has a character outside the alphabet; a project id is \(text)" }
        return nil
    }
}
