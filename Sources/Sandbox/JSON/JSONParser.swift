/// A strict RFC 8259 parser.
///
/// Strict because its input decides what a sandbox enforces: text that other parsers would read
/// differently is refused rather than guessed at. So it rejects invalid UTF-8, unpaired surrogates in
/// `\u` escapes, duplicate object keys (parsers disagree on which one wins), trailing text after the
/// value, a byte order mark, and nesting deeper than `maximumDepth` (which bounds the recursion).
public enum JSONParser {
    /// The deepest nesting of arrays and objects accepted; the outermost container is at depth 1.
    public static let maximumDepth = 128

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try parse(buffer) }
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        // `withUTF8` rethrows untyped errors, so the typed error travels out inside a `Result`.
        return try text.withUTF8 { buffer in Result { () throws(JSONParseError) in try parse(buffer) } }.get()
    }

    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var scanner = Scanner(bytes: buffer)
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { throw scanner.error(.byteOrderMark) }
        let value = try scanner.parseValue(depth: 0)
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.error(.expected(.endOfInput, found: scanner.current)) }
        return value
    }
}

/// Reads one JSON text from a buffer, byte by byte, without copying it.
private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Reused for strings that contain escapes, the only ones that cannot be sliced from `bytes`.
    var unescaped: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index >= bytes.count }

    /// The byte at `index`, or nil at the end of the input.
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func error(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(reason: reason, offset: offset ?? index, in: bytes)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case .space, .tab, .newline, .carriageReturn: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard let byte = current else { throw error(.expected(.value, found: nil)) }
        switch byte {
        case .openBrace: return try parseObject(depth: depth + 1)
        case .openBracket: return try parseArray(depth: depth + 1)
        case .quote: return .string(try parseString())
        case .t: try parseLiteral("true"); return .bool(true)
        case .f: try parseLiteral("false"); return .bool(false)
        case .n: try parseLiteral("null"); return .null
        case .minus, .digit0 ... .digit9: return try parseNumber()
        default: throw error(.expected(.value, found: byte))
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else { throw error(.nestingTooDeep(limit: JSONParser.maximumDepth)) }
        index += 1
        skipWhitespace()
        if current == .closeBrace {
            index += 1
            return .object([:])
        }
        // Members are collected first and the dictionary built once at '}', at its final size:
        // growing it member by member rehashes every key on each resize, which made parsing a
        // quarter slower. So a duplicate key is found at '}', after any syntax error before it.
        var pending: [(key: String, value: JSONValue, keyOffset: Int)] = []
        pending.reserveCapacity(8)
        while true {
            skipWhitespace()
            guard current == .quote else { throw error(.expected(.objectKey, found: current)) }
            let keyOffset = index
            let key = try parseString()
            skipWhitespace()
            guard current == .colon else { throw error(.expected(.colon, found: current)) }
            index += 1
            pending.append((key, try parseValue(depth: depth), keyOffset))
            skipWhitespace()
            switch current {
            case .comma: index += 1
            case .closeBrace:
                index += 1
                var members = [String: JSONValue](minimumCapacity: pending.count)
                for member in pending where members.updateValue(member.value, forKey: member.key) != nil {
                    throw error(.duplicateKey(member.key), at: member.keyOffset)
                }
                return .object(members)
            default: throw error(.expected(.commaOrEndOfObject, found: current))
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else { throw error(.nestingTooDeep(limit: JSONParser.maximumDepth)) }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == .closeBracket {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case .comma: index += 1
            case .closeBracket: index += 1; return .array(elements)
            default: throw error(.expected(.commaOrEndOfArray, found: current))
            }
        }
    }

    mutating func parseLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        let matches = index + length <= bytes.count
            && UnsafeBufferPointer(start: literal.utf8Start, count: length)
                .elementsEqual(bytes[index ..< index + length])
        guard matches else { throw error(.invalidLiteral) }
        index += length
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote. Strings without escapes, the common case, are
    /// validated in place and copied once, straight into the `String`.
    mutating func parseString() throws(JSONParseError) -> String {
        let openingQuote = index
        index += 1
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case .quote:
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< index]), as: UTF8.self)
                index += 1
                return text
            case .backslash:
                return try parseEscapedString(from: start, openingQuote: openingQuote)
            default:
                try skipStringByte()
            }
        }
        throw error(.unterminatedString, at: openingQuote)
    }

    /// Finishes a string that contains escapes, decoding it into `unescaped`.
    mutating func parseEscapedString(from start: Int, openingQuote: Int) throws(JSONParseError) -> String {
        unescaped.removeAll(keepingCapacity: true)
        unescaped.append(contentsOf: bytes[start ..< index])
        while index < bytes.count {
            switch bytes[index] {
            case .quote:
                index += 1
                return String(decoding: unescaped, as: UTF8.self)
            case .backslash:
                try parseEscape()
            default:
                let byteStart = index
                try skipStringByte()
                unescaped.append(contentsOf: bytes[byteStart ..< index])
            }
        }
        throw error(.unterminatedString, at: openingQuote)
    }

    /// Steps over one unescaped character of a string: an ASCII byte or a whole UTF-8 sequence.
    mutating func skipStringByte() throws(JSONParseError) {
        let byte = bytes[index]
        if byte < 0x20 { throw error(.controlCharacterInString(byte)) }
        if byte < 0x80 {
            index += 1
        } else {
            guard let length = utf8SequenceLength(at: index) else { throw error(.invalidUTF8) }
            index += length
        }
    }

    /// The length of the well-formed UTF-8 sequence at `offset`, or nil. Follows Table 3-7 of the
    /// Unicode standard, so overlong forms, encoded surrogates and values above U+10FFFF fail.
    func utf8SequenceLength(at offset: Int) -> Int? {
        let length: Int
        let second: ClosedRange<UInt8>
        switch bytes[offset] {
        case 0xC2 ... 0xDF: (length, second) = (2, 0x80 ... 0xBF)
        case 0xE0: (length, second) = (3, 0xA0 ... 0xBF)
        case 0xE1 ... 0xEC, 0xEE ... 0xEF: (length, second) = (3, 0x80 ... 0xBF)
        case 0xED: (length, second) = (3, 0x80 ... 0x9F)
        case 0xF0: (length, second) = (4, 0x90 ... 0xBF)
        case 0xF1 ... 0xF3: (length, second) = (4, 0x80 ... 0xBF)
        case 0xF4: (length, second) = (4, 0x80 ... 0x8F)
        default: return nil
        }
        guard offset + length <= bytes.count, second.contains(bytes[offset + 1]) else { return nil }
        for continuation in bytes[offset + 2 ..< offset + length] where continuation & 0xC0 != 0x80 {
            return nil
        }
        return length
    }

    /// Decodes the escape at `index` (a backslash) into `unescaped`.
    mutating func parseEscape() throws(JSONParseError) {
        let escapeStart = index
        index += 1
        guard let byte = current else { throw error(.unterminatedString, at: escapeStart) }
        index += 1
        switch byte {
        case .quote, .backslash, .slash: unescaped.append(byte)
        case .b: unescaped.append(0x08)
        case .f: unescaped.append(0x0C)
        case .n: unescaped.append(.newline)
        case .r: unescaped.append(.carriageReturn)
        case .t: unescaped.append(.tab)
        case .u: try parseUnicodeEscape(escapeStart: escapeStart)
        default: throw error(.invalidEscape(byte), at: escapeStart)
        }
    }

    /// Decodes `\uXXXX`, or a `\uXXXX\uXXXX` surrogate pair, whose `\u` starts at `escapeStart`.
    mutating func parseUnicodeEscape(escapeStart: Int) throws(JSONParseError) {
        let unit = try parseHexQuad(escapeStart: escapeStart)
        let scalarValue: UInt32
        switch unit {
        case 0xD800 ... 0xDBFF:
            let isFollowedByEscape = index + 1 < bytes.count && bytes[index] == .backslash && bytes[index + 1] == .u
            guard isFollowedByEscape else { throw error(.loneSurrogate, at: escapeStart) }
            index += 2
            let low = try parseHexQuad(escapeStart: index - 2)
            guard (0xDC00 ... 0xDFFF).contains(low) else { throw error(.loneSurrogate, at: escapeStart) }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        case 0xDC00 ... 0xDFFF:
            throw error(.loneSurrogate, at: escapeStart)
        default:
            scalarValue = UInt32(unit)
        }
        // Cannot fail: surrogates were excluded above and a pair never exceeds U+10FFFF.
        UTF8.encode(Unicode.Scalar(scalarValue)!) { unescaped.append($0) }
    }

    mutating func parseHexQuad(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw error(.invalidUnicodeEscape, at: escapeStart) }
        var unit: UInt16 = 0
        for byte in bytes[index ..< index + 4] {
            let digit: UInt8
            switch byte {
            case .digit0 ... .digit9: digit = byte - .digit0
            case .a ... .f: digit = byte - .a + 10
            case .A ... .F: digit = byte - .A + 10
            default: throw error(.invalidUnicodeEscape, at: escapeStart)
            }
            unit = unit << 4 | UInt16(digit)
        }
        index += 4
        return unit
    }

    // MARK: Numbers

    /// Parses `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Integers are exact up to `UInt64.max`
    /// (and down to `Int64.min`); anything else becomes a `Double`, which must be finite.
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        let isNegative = current == .minus
        if isNegative { index += 1 }
        guard let first = current, first.isDigit else { throw error(.invalidNumber) }
        if first == .digit0, index + 1 < bytes.count, bytes[index + 1].isDigit {
            throw error(.invalidNumber, at: index + 1)
        }
        let integerDigits = skipDigits()
        var fractionDigits = index ..< index
        if current == .dot {
            index += 1
            fractionDigits = try requireDigits()
        }
        var exponent: Int?
        if current == .e || current == .E {
            index += 1
            let isNegativeExponent = current == .minus
            if current == .plus || current == .minus { index += 1 }
            // Saturated: far past any finite Double, and strtod reads the text itself anyway.
            let magnitude = bytes[try requireDigits()].reduce(0) { min($0 * 10 + Int($1 - .digit0), 100_000) }
            exponent = isNegativeExponent ? -magnitude : magnitude
        }
        if fractionDigits.isEmpty, exponent == nil,
            let integer = exactInteger(digits: integerDigits, isNegative: isNegative)
        {
            return integer
        }
        let fast = fastDouble(
            integerDigits: integerDigits, fractionDigits: fractionDigits, exponent: exponent ?? 0,
            isNegative: isNegative)
        if let fast { return .double(fast) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw error(.numberOutOfRange, at: start) }
        return .double(value)
    }

    mutating func skipDigits() -> Range<Int> {
        let start = index
        while let byte = current, byte.isDigit { index += 1 }
        return start ..< index
    }

    mutating func requireDigits() throws(JSONParseError) -> Range<Int> {
        let digits = skipDigits()
        guard !digits.isEmpty else { throw error(.invalidNumber) }
        return digits
    }

    /// Clinger's fast path, which most written numbers take: when the digits read as one integer
    /// fit in 53 bits and the power of ten is within ±22, both are exact `Double`s, so a single
    /// multiplication or division rounds correctly, with no strtod and no `String` to feed it.
    func fastDouble(integerDigits: Range<Int>, fractionDigits: Range<Int>, exponent: Int, isNegative: Bool) -> Double? {
        // 19 decimal digits always fit in a UInt64.
        guard integerDigits.count + fractionDigits.count <= 19 else { return nil }
        // The digits run from the integer part to the end of the fraction, around one '.'.
        let end = fractionDigits.isEmpty ? integerDigits.upperBound : fractionDigits.upperBound
        var significand: UInt64 = 0
        for byte in bytes[integerDigits.lowerBound ..< end] where byte != .dot {
            significand = significand * 10 + UInt64(byte - .digit0)
        }
        let power = exponent - fractionDigits.count
        guard significand <= 1 << 53, (-22 ... 22).contains(power) else { return nil }
        let magnitude =
            power < 0
            ? Double(significand) / Self.exactPowersOfTen[-power] : Double(significand) * Self.exactPowersOfTen[power]
        return isNegative ? -magnitude : magnitude
    }

    /// 10^0 through 10^22, the powers of ten a `Double` holds exactly.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// The integer spelled by `digits`, or nil when it does not fit `Int64` (negative) or `UInt64`.
    func exactInteger(digits: Range<Int>, isNegative: Bool) -> JSONValue? {
        var magnitude: UInt64 = 0
        for byte in bytes[digits] {
            let (times10, overflowed) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carried) = times10.addingReportingOverflow(UInt64(byte - .digit0))
            if overflowed || carried { return nil }
            magnitude = sum
        }
        if !isNegative {
            return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .uint(magnitude)
        }
        guard magnitude <= Int64.min.magnitude else { return nil }
        return .int(Int64(bitPattern: 0 &- magnitude))
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= .digit0 && self <= .digit9 }

    fileprivate static let tab = UInt8(ascii: "\t")
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let carriageReturn = UInt8(ascii: "\r")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let plus = UInt8(ascii: "+")
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate static let minus = UInt8(ascii: "-")
    fileprivate static let dot = UInt8(ascii: ".")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let digit0 = UInt8(ascii: "0")
    fileprivate static let digit9 = UInt8(ascii: "9")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let A = UInt8(ascii: "A")
    fileprivate static let E = UInt8(ascii: "E")
    fileprivate static let F = UInt8(ascii: "F")
    fileprivate static let openBracket = UInt8(ascii: "[")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let closeBracket = UInt8(ascii: "]")
    fileprivate static let a = UInt8(ascii: "a")
    fileprivate static let b = UInt8(ascii: "b")
    fileprivate static let e = UInt8(ascii: "e")
    fileprivate static let f = UInt8(ascii: "f")
    fileprivate static let n = UInt8(ascii: "n")
    fileprivate static let r = UInt8(ascii: "r")
    fileprivate static let t = UInt8(ascii: "t")
    fileprivate static let u = UInt8(ascii: "u")
    fileprivate static let openBrace = UInt8(ascii: "{")
    fileprivate static let closeBrace = UInt8(ascii: "}")
}
