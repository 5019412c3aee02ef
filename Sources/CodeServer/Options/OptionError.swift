import Sandbox

/// One problem in a project's runtime options: the key it is about (`tool_timeout_ms`,
/// `outside_root_allowlist[1].reason_code`) and what is wrong, as a `Kind` code can match on and a
/// `reason` people can read.
public struct OptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A key the options do not have. Nothing is ignored, so a misspelt key cannot silently leave
        /// its option at the default.
        case unknownKey
        case wrongType(expected: ValueType, got: JSONValue)
        /// An integer outside the option's range, negative numbers included.
        case outOfRange(ClosedRange<Int>, got: JSONValue)
        /// Not one of the words the option accepts.
        case unknownValue(String, allowed: [String])
        /// An empty string where text is needed.
        case empty
        case required
        /// Neither or both of two keys that exclude each other.
        case exactlyOneOf([String])
        case notAbsolutePath
        case notRelativePath
        case pathWithDotDot
        /// A `.` component, `//` or a trailing `/`: one place has one spelling.
        case unnormalizedPath
        case rootPath
        case containsNUL
        /// A tool pattern with whitespace.
        case invalidToolPattern
        /// A sensitive-path pattern that is absolute or has an empty component.
        case invalidPathPattern
        case invalidNetworkEntry(NetworkAllowlistEntry.ParseError)
        case invalidScheme
        case invalidEnvironmentPattern
        case invalidReasonCode
        /// An `llm_*` option that cannot be used (`LLMOptions`); the text says why.
        case invalidModelSetting(String)
        /// A command-line option without `=`.
        case notAnAssignment
        /// The same key twice on one command line.
        case duplicateKey
        /// `writable` on an `outside_root_allowlist` pattern entry.
        case writableNeedsPath
    }

    /// The JSON types an option can expect.
    public enum ValueType: String, Sendable {
        case string = "a string"
        case boolean = "a boolean"
        case integer = "an integer"
        case array = "an array"
        case object = "an object"
    }

    /// The option, with `[index]` and `.member` for parts of list entries; `$` for the options as
    /// a whole.
    public var key: String
    public var kind: Kind

    public init(key: String, kind: Kind) {
        self.key = key
        self.kind = kind
    }

    public var description: String { "\(key): \(reason)" }

    /// What is wrong, as a sentence that makes sense after the key.
    public var reason: String {
        switch kind {
        case .unknownKey:
            // Only top-level keys are in the catalog; a member of an entry gets no list.
            if key.contains(".") || key.contains("[") {
                "unknown key"
            } else {
                "unknown option"
                    + (OptionCatalog.suggestions(for: key).first.map { "; did you mean '\($0)'?" } ?? "")
                    + " Valid options: \(OptionCatalog.keys.joined(separator: ", ")) (see `jcs project options`)"
            }
        case .wrongType(let expected, let got): "expected \(expected.rawValue), got \(Self.describe(got))"
        case .outOfRange(let range, let got):
            "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(Self.describe(got))"
        case .unknownValue(let value, let allowed):
            "unknown value '\(value)'; expected one of: \(allowed.joined(separator: ", "))"
        case .empty: "must not be empty"
        case .required: "required"
        case .exactlyOneOf(let keys): "needs exactly one of: \(keys.joined(separator: ", "))"
        case .notAbsolutePath: "must be an absolute path"
        case .notRelativePath: "must be a relative path"
        case .pathWithDotDot: "must not contain '..'"
        case .unnormalizedPath: "must be a normalized path (no '.' component, '//' or trailing '/')"
        case .rootPath: "must not be '/'"
        case .containsNUL: "must not contain a NUL character"
        case .invalidToolPattern: "must be a tool name or glob without whitespace"
        case .invalidPathPattern: "must be a relative glob without empty components, such as '.ssh/*'"
        case .invalidNetworkEntry(let error): "\(error)"
        case .invalidScheme: "must be a URL scheme: a letter, then letters, digits, '+', '-' or '.'"
        case .invalidEnvironmentPattern: "must be a variable name, optionally ending in '*'"
        case .invalidReasonCode: "must be letters, digits, '_', '.' or '-'"
        case .invalidModelSetting(let why): why
        case .notAnAssignment: "expected KEY=VALUE"
        case .duplicateKey: "given more than once"
        case .writableNeedsPath: "applies to 'path' entries only (a pattern is bound read-only)"
        }
    }

    /// Scalars as written, containers by their type: enough to recognise the value, never a whole
    /// document quoted back.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "'\(text)'"
        case .array: "an array"
        case .object: "an object"
        case .null, .bool, .int, .uint, .double: value.description
        }
    }
}

/// Every problem found in one set of runtime options; parsing never stops at the first. Clients
/// see it as the runbook's `invalid_runtime_opt`.
public struct OptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error code of the runbook and the API.
    public static let code = "invalid_runtime_opt"

    public var errors: [OptionError]

    public init(_ errors: [OptionError]) {
        self.errors = errors
    }

    /// One line per problem, each starting with the code.
    public var description: String {
        errors.map { "\(Self.code): \($0)" }.joined(separator: "\n")
    }
}
