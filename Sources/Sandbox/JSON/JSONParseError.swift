/// Why `JSONParser` refused a text, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Something else was found (nil: the input ended) where `Expectation` was required.
        case expected(Expectation, found: UInt8?)
        /// Text starting with `t`, `f` or `n` that is not `true`, `false` or `null`.
        case invalidLiteral
        case invalidNumber
        /// A number too large for a `Double`, such as `1e400`.
        case numberOutOfRange
        case unterminatedString
        /// A byte below 0x20 inside a string; RFC 8259 requires it to be escaped.
        case controlCharacterInString(UInt8)
        /// A backslash followed by something other than `" \ / b f n r t u`.
        case invalidEscape(UInt8)
        /// `\u` not followed by four hexadecimal digits.
        case invalidUnicodeEscape
        /// A `\u` escape of a UTF-16 surrogate that is not half of a high-low pair.
        case loneSurrogate
        case invalidUTF8
        case byteOrderMark
        case duplicateKey(String)
        case nestingTooDeep(limit: Int)
    }

    /// What the grammar allowed at the point of an `expected` error.
    public enum Expectation: Sendable, Equatable {
        case value
        case objectKey
        case colon
        case commaOrEndOfObject
        case commaOrEndOfArray
        case endOfInput
    }

    public let reason: Reason
    /// Offset of the offending byte from the start of the input, from 0.
    public let offset: Int
    /// Line of `offset`, from 1; only `\n` ends a line.
    public let line: Int
    /// Column of `offset`, from 1, in Unicode scalars, so it matches what an editor shows.
    public let column: Int

    public init(reason: Reason, offset: Int, line: Int, column: Int) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Locates `offset` in `bytes`. Only errors pay for the line count, so parsing never tracks lines.
    init(reason: Reason, offset: Int, in bytes: UnsafeBufferPointer<UInt8>) {
        let prefix = bytes[..<min(offset, bytes.count)]
        let lineStart = prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let line = 1 + prefix.count { $0 == UInt8(ascii: "\n") }
        // UTF-8 continuation bytes (10xxxxxx) do not start a scalar.
        let column = 1 + prefix[lineStart...].count { $0 & 0xC0 != 0x80 }
        self.init(reason: reason, offset: offset, line: line, column: column)
    }

    public var description: String {
        "line \(line), column \(column): \(reason)"
    }
}

extension JSONParseError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .expected(let expectation, let found):
            "expected \(expectation), found \(found.map(Self.describe) ?? "end of input")"
        case .invalidLiteral: "invalid literal; expected true, false or null"
        case .invalidNumber: "invalid number"
        case .numberOutOfRange: "number out of range"
        case .unterminatedString: "unterminated string"
        case .controlCharacterInString(let byte): "unescaped control character \(Self.describe(byte)) in string"
        case .invalidEscape(let byte): "invalid escape \\\(Self.describe(byte))"
        case .invalidUnicodeEscape: "\\u must be followed by four hexadecimal digits"
        case .loneSurrogate: "\\u escape of an unpaired UTF-16 surrogate"
        case .invalidUTF8: "invalid UTF-8"
        case .byteOrderMark: "byte order mark at start of text"
        case .duplicateKey(let key): "duplicate key \"\(key)\""
        case .nestingTooDeep(let limit): "nested deeper than \(limit) arrays and objects"
        }
    }

    /// A printable ASCII byte as itself in quotes, anything else as hex: found bytes may be binary.
    private static func describe(_ byte: UInt8) -> String {
        if (0x21 ... 0x7E).contains(byte) { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }
}

extension JSONParseError.Expectation: CustomStringConvertible {
    public var description: String {
        switch self {
        case .value: "a value"
        case .objectKey: "a string key"
        case .colon: "':'"
        case .commaOrEndOfObject: "',' or '}'"
        case .commaOrEndOfArray: "',' or ']'"
        case .endOfInput: "end of input"
        }
    }
}
