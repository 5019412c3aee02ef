/// A shell-style pattern for tool names and paths.
///
/// `*` matches any run of characters except `/`, `**` any run including `/`, `?` one character
/// except `/`; every other character matches itself. There are no character classes and no
/// escapes: option values are short lists written by people, and a smaller language leaves fewer
/// ways for a pattern to mean something other than what it looks like.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written, which is also how options print it back.
    public let pattern: String
    /// Everything derived from `pattern`, in one shared object: a workspace walk asks a profile's
    /// patterns about every entry, and a `Glob` copied out of an array then costs one retain, not
    /// one per buffer.
    private let compiled: Compiled

    private enum Token: Hashable {
        case scalar(Unicode.Scalar)
        case anyScalar
        case anyRun
        case anyRunAcrossSlash
    }

    private final class Compiled: Sendable {
        let tokens: [Token]
        /// Quick answers before the general match: a pattern without wildcards matches only
        /// itself, and one without `**` only subjects with as many slashes as it has.
        let isLiteral: Bool
        let slashes: Int?
        /// Compared as UTF-8 bytes: a byte suffix or prefix of valid UTF-8 that is itself valid
        /// UTF-8 starts and ends on scalar boundaries, so bytes answer what scalars would,
        /// without decoding the subject.
        let literalBytes: [UInt8]
        /// `*suffix` and `prefix*` (no other wildcard, no `/`): the usual shape of a denylist
        /// entry, answered without the general match.
        let suffix: [UInt8]?
        let prefix: [UInt8]?
        /// One pattern per component, for a pattern of several without `**` (`.ssh/*`): since no
        /// wildcard but `**` crosses a `/`, it matches a run of components exactly when each
        /// part matches its component, so a walk never joins components to ask.
        let parts: [Glob]?

        init(_ pattern: String) {
            var tokens: [Token] = []
            for scalar in pattern.unicodeScalars {
                switch (scalar, tokens.last) {
                case ("*", .anyRun?), ("*", .anyRunAcrossSlash?): tokens[tokens.count - 1] = .anyRunAcrossSlash
                case ("*", _): tokens.append(.anyRun)
                case ("?", _): tokens.append(.anyScalar)
                default: tokens.append(.scalar(scalar))
                }
            }
            self.tokens = tokens
            isLiteral = tokens.allSatisfy { if case .scalar = $0 { true } else { false } }
            slashes = tokens.contains(.anyRunAcrossSlash) ? nil : tokens.filter { $0 == .scalar("/") }.count
            literalBytes = Array(pattern.utf8)
            func literal(_ part: ArraySlice<Token>) -> [UInt8]? {
                var bytes: [UInt8] = []
                for token in part {
                    guard case .scalar(let scalar) = token, scalar != "/" else { return nil }
                    bytes.append(contentsOf: String(scalar).utf8)
                }
                return bytes
            }
            suffix = tokens.first == .anyRun ? literal(tokens.dropFirst()) : nil
            prefix = tokens.last == .anyRun && tokens.first != .anyRun ? literal(tokens.dropLast()) : nil
            if let slashes, slashes > 0 {
                parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map { Glob(String($0)) }
            } else {
                parts = nil
            }
        }
    }

    public init(_ pattern: String) {
        self.pattern = pattern
        compiled = Compiled(pattern)
    }

    public static func == (lhs: Glob, rhs: Glob) -> Bool { lhs.pattern == rhs.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    public var description: String { pattern }

    /// Whole path components the pattern spans (`a/b` spans 2); nil when `**` can span any number.
    public var componentCount: Int? { compiled.slashes.map { $0 + 1 } }

    /// Whether the pattern matches the last `componentCount` of `components` joined with `/`,
    /// without joining them; false when there are fewer components than that, or the pattern
    /// has `**` (no fixed count: ask `matches` on the joined runs).
    public func matchesLast(of components: [String]) -> Bool {
        guard let count = componentCount, count <= components.count else { return false }
        guard let parts = compiled.parts else { return matches(components[components.count - 1]) }
        let first = components.count - parts.count
        // The last component first: it tells most entries apart.
        for offset in parts.indices.reversed() where !parts[offset].matches(components[first + offset]) { return false }
        return true
    }

    /// Whether the whole of `subject` matches; a pattern never matches just a part of it.
    ///
    /// Dynamic programming over (token, position) rather than backtracking, so a pattern such as
    /// `*a*a*a*b` costs pattern length times subject length, never an exponential search.
    public func matches(_ subject: String) -> Bool {
        let c = compiled
        if c.isLiteral { return subject.utf8.count == c.literalBytes.count && subject.utf8.elementsEqual(c.literalBytes) }
        if let suffix = c.suffix {
            let bytes = subject.utf8
            return bytes.count >= suffix.count && !bytes.contains(UInt8(ascii: "/")) && bytes.suffix(suffix.count).elementsEqual(suffix)
        }
        if let prefix = c.prefix {
            let bytes = subject.utf8
            return !bytes.contains(UInt8(ascii: "/")) && bytes.starts(with: prefix)
        }
        if let slashes = c.slashes, subject.utf8.reduce(0, { $1 == UInt8(ascii: "/") ? $0 + 1 : $0 }) != slashes { return false }
        let scalars = Array(subject.unicodeScalars)
        // `rest[j]`: the tokens after the current one match `scalars[j...]`.
        var rest = [Bool](repeating: false, count: scalars.count + 1)
        rest[scalars.count] = true
        for token in c.tokens.reversed() {
            var here = [Bool](repeating: false, count: scalars.count + 1)
            for j in stride(from: scalars.count, through: 0, by: -1) {
                let hasNext = j < scalars.count
                switch token {
                case .scalar(let expected):
                    here[j] = hasNext && scalars[j] == expected && rest[j + 1]
                case .anyScalar:
                    here[j] = hasNext && scalars[j] != "/" && rest[j + 1]
                case .anyRun:
                    here[j] = rest[j] || (hasNext && scalars[j] != "/" && here[j + 1])
                case .anyRunAcrossSlash:
                    here[j] = rest[j] || (hasNext && here[j + 1])
                }
            }
            rest = here
        }
        return rest[0]
    }
}
