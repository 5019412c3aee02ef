/// A shell-style pattern for tool names and paths.
///
/// `*` matches any run of characters except `/`, `**` any run including `/`, `?` one character
/// except `/`; every other character matches itself. There are no character classes and no
/// escapes: option values are short lists written by people, and a smaller language leaves fewer
/// ways for a pattern to mean something other than what it looks like.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written, which is also how options print it back.
    public let pattern: String
    private let tokens: [Token]
    /// Quick answers before the general match (a workspace walk asks millions of times): a
    /// pattern without wildcards matches only itself, and one without `**` only subjects with as
    /// many slashes as it has.
    private let isLiteral: Bool
    private let slashes: Int?
    /// `*suffix` and `prefix*` (no other wildcard, no `/`): the usual shape of a denylist entry,
    /// answered without the general match.
    private let suffix: [Unicode.Scalar]?
    private let prefix: [Unicode.Scalar]?
    /// Whole path components the pattern spans (`a/b` spans 2); nil when `**` can span any number.
    public let componentCount: Int?

    private enum Token: Hashable {
        case scalar(Unicode.Scalar)
        case anyScalar
        case anyRun
        case anyRunAcrossSlash
    }

    public init(_ pattern: String) {
        self.pattern = pattern
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
        componentCount = slashes.map { $0 + 1 }
        func literal(_ part: ArraySlice<Token>) -> [Unicode.Scalar]? {
            var scalars: [Unicode.Scalar] = []
            for token in part {
                guard case .scalar(let scalar) = token, scalar != "/" else { return nil }
                scalars.append(scalar)
            }
            return scalars
        }
        suffix = tokens.first == .anyRun ? literal(tokens.dropFirst()) : nil
        prefix = tokens.last == .anyRun && tokens.first != .anyRun ? literal(tokens.dropLast()) : nil
    }

    public var description: String { pattern }

    /// Whether the whole of `subject` matches; a pattern never matches just a part of it.
    ///
    /// Dynamic programming over (token, position) rather than backtracking, so a pattern such as
    /// `*a*a*a*b` costs pattern length times subject length, never an exponential search.
    public func matches(_ subject: String) -> Bool {
        if isLiteral { return subject.unicodeScalars.elementsEqual(pattern.unicodeScalars) }
        if let suffix {
            let scalars = subject.unicodeScalars
            return !scalars.contains("/") && scalars.count >= suffix.count
                && scalars.suffix(suffix.count).elementsEqual(suffix)
        }
        if let prefix {
            let scalars = subject.unicodeScalars
            return !scalars.contains("/") && scalars.starts(with: prefix)
        }
        if let slashes, subject.utf8.reduce(0, { $1 == UInt8(ascii: "/") ? $0 + 1 : $0 }) != slashes { return false }
        let scalars = Array(subject.unicodeScalars)
        // `rest[j]`: the tokens after the current one match `scalars[j...]`.
        var rest = [Bool](repeating: false, count: scalars.count + 1)
        rest[scalars.count] = true
        for token in tokens.reversed() {
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
