import Sandbox
import Testing

/// The reason, line and column `JSONParser` fails with on `text`; fails the test if it parses.
private func parseFailure(
    _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) -> JSONParseError? {
    do {
        let value = try JSONParser.parse(bytes)
        Issue.record("parsed as \(value), expected an error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

private func parseFailure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    parseFailure(Array(text.utf8), sourceLocation: sourceLocation)
}

struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2, 3.5, true, false, null, "x"], "b": {}} "#)
        #expect(value == ["a": [1, -2, 3.5, true, false, nil, "x"], "b": [:]])
        #expect(value["a"]?[2]?.doubleValue == 3.5)
        #expect(value["a"]?[1]?.intValue == -2)
        #expect(value["b"]?.objectValue?.isEmpty == true)
        #expect(value["missing"] == nil)
    }

    @Test func integersAreExactAcrossTheWholeUInt64AndInt64Ranges() throws {
        #expect(try JSONParser.parse("18446744073709551615") == .uint(UInt64.max))
        #expect(try JSONParser.parse("9223372036854775808") == .uint(1 << 63))
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("18446744073709551615").uint64Value == UInt64.max)
    }

    @Test func integersBeyondUInt64BecomeDoubles() throws {
        #expect(try JSONParser.parse("18446744073709551616") == .double(18_446_744_073_709_551_616))
        #expect(try JSONParser.parse("-9223372036854775809") == .double(-0x1p63))
    }

    @Test func fractionsAndExponentsAreDoublesEvenWhenIntegral() throws {
        #expect(try JSONParser.parse("512.0") == .double(512))
        #expect(try JSONParser.parse("5E2") == .double(500))
        #expect(try JSONParser.parse("512.0").intValue == nil)
    }

    @Test func decimalNumbersConvertExactlyAsTheStandardLibraryDoes() throws {
        // Across the fast path's edges: 15 to 20 significant digits, powers of ten around ±22.
        for exponent in -30 ... 30 {
            for digits in ["1", "7.25", "-0.5", "123456789012345", "9007199254740993", "1234567890.123456789"] {
                let text = "\(digits)e\(exponent)"
                #expect(try JSONParser.parse(text) == .double(try #require(Double(text))), "\(text)")
            }
        }
    }

    @Test func intAndUIntCompareByValueButNeverEqualADouble() {
        #expect(JSONValue.uint(5) == .int(5))
        #expect(JSONValue.int(-1) != .uint(UInt64.max))
        #expect(JSONValue.int(5) != .double(5))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00""#)
        #expect(value == .string("\"\\/\u{8}\u{c}\n\r\tAé😀"))
    }

    @Test func keepsRawMultibyteUTF8() throws {
        #expect(try JSONParser.parse(#"["héllo", "日本", "😀"]"#) == ["héllo", "日本", "😀"])
    }

    @Test func rejectsTrailingTextAfterTheValue() {
        let error = parseFailure("{} x")
        #expect(error?.reason == .expected(.endOfInput, found: UInt8(ascii: "x")))
        #expect(error?.offset == 3)
        #expect(error?.description == "line 1, column 4: expected end of input, found 'x'")
    }

    @Test func rejectsEmptyAndWhitespaceOnlyInput() {
        #expect(parseFailure("")?.reason == .expected(.value, found: nil))
        #expect(parseFailure(" \n ")?.reason == .expected(.value, found: nil))
    }

    @Test func rejectsDuplicateKeysAtTheSecondKey() {
        let error = parseFailure(#"{"a": 1, "a": 2}"#)
        #expect(error?.reason == .duplicateKey("a"))
        #expect(error?.offset == 9)
    }

    @Test func acceptsNestingOf128AndRejects129() throws {
        let deepest = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(throws: Never.self) { try JSONParser.parse(deepest) }

        let tooDeep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        let error = parseFailure(tooDeep)
        #expect(error?.reason == .nestingTooDeep(limit: 128))
        #expect(error?.offset == 128)

        let tooDeepObjects = String(repeating: #"{"a":"#, count: 129) + "1" + String(repeating: "}", count: 129)
        #expect(parseFailure(tooDeepObjects)?.reason == .nestingTooDeep(limit: 128))
    }

    @Test(arguments: [
        [0x22, 0xC0, 0x80, 0x22],  // overlong encoding of U+0000
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // a UTF-16 surrogate encoded as UTF-8
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
        [0x22, 0x80, 0x22],  // lone continuation byte
        [0x22, 0xFF, 0x22],
    ] as [[UInt8]])
    func rejectsInvalidUTF8InStrings(bytes: [UInt8]) {
        let error = parseFailure(bytes)
        #expect(error?.reason == .invalidUTF8)
        #expect(error?.offset == 1)
    }

    @Test func rejectsBytesOutsideASCIIOutsideStrings() {
        #expect(parseFailure([0x5B, 0xC3, 0xA9, 0x5D])?.reason == .expected(.value, found: 0xC3))
    }

    @Test(arguments: [#""\uD800""#, #""\uDC00""#, #""\uD800\u0041""#, #""\uD800x""#, #""\uDBFF\uD800""#])
    func rejectsUnpairedSurrogateEscapes(text: String) {
        let error = parseFailure(text)
        #expect(error?.reason == .loneSurrogate)
        #expect(error?.offset == 1)
    }

    @Test func rejectsBadEscapes() {
        #expect(parseFailure(#""\x""#)?.reason == .invalidEscape(UInt8(ascii: "x")))
        #expect(parseFailure(#""\u12G4""#)?.reason == .invalidUnicodeEscape)
        #expect(parseFailure(#""\u12""#)?.reason == .invalidUnicodeEscape)
    }

    @Test func rejectsUnescapedControlCharactersInStrings() {
        #expect(parseFailure("\"a\nb\"")?.reason == .controlCharacterInString(0x0A))
        #expect(parseFailure("\"\t\"")?.reason == .controlCharacterInString(0x09))
    }

    @Test func rejectsUnterminatedStringsAtTheOpeningQuote() {
        let error = parseFailure(#"["abc"#)
        #expect(error?.reason == .unterminatedString)
        #expect(error?.offset == 1)
    }

    @Test(arguments: [
        ("01", 1), ("-01", 2), ("-", 1), ("-a", 1), ("1.", 2), ("1.e5", 2), ("1e", 2), ("1e+", 3),
    ])
    func rejectsNumbersOutsideTheGrammar(text: String, offset: Int) {
        let error = parseFailure(text)
        #expect(error?.reason == .invalidNumber)
        #expect(error?.offset == offset)
    }

    @Test func rejectsWhatOnlyLooksLikeANumber() {
        #expect(parseFailure(".5")?.reason == .expected(.value, found: UInt8(ascii: ".")))
        #expect(parseFailure("+1")?.reason == .expected(.value, found: UInt8(ascii: "+")))
        #expect(parseFailure("0x10")?.reason == .expected(.endOfInput, found: UInt8(ascii: "x")))
    }

    @Test func rejectsNumbersTooLargeForADouble() {
        #expect(parseFailure("1e400")?.reason == .numberOutOfRange)
    }

    @Test func rejectsMisspeltLiterals() {
        #expect(parseFailure("tru")?.reason == .invalidLiteral)
        #expect(parseFailure("[nul]")?.reason == .invalidLiteral)
        #expect(parseFailure("True")?.reason == .expected(.value, found: UInt8(ascii: "T")))
        #expect(parseFailure("falsey")?.reason == .expected(.endOfInput, found: UInt8(ascii: "y")))
    }

    @Test func rejectsMissingSeparators() {
        #expect(parseFailure(#"{"a" 1}"#)?.reason == .expected(.colon, found: UInt8(ascii: "1")))
        #expect(parseFailure(#"{"a": 1 "b": 2}"#)?.reason == .expected(.commaOrEndOfObject, found: UInt8(ascii: "\"")))
        #expect(parseFailure("[1 2]")?.reason == .expected(.commaOrEndOfArray, found: UInt8(ascii: "2")))
        #expect(parseFailure("[1,]")?.reason == .expected(.value, found: UInt8(ascii: "]")))
        #expect(parseFailure(#"{"a": 1,}"#)?.reason == .expected(.objectKey, found: UInt8(ascii: "}")))
        #expect(parseFailure("{1: 2}")?.reason == .expected(.objectKey, found: UInt8(ascii: "1")))
    }

    @Test func rejectsAByteOrderMark() {
        #expect(parseFailure([0xEF, 0xBB, 0xBF, 0x7B, 0x7D])?.reason == .byteOrderMark)
    }

    @Test func reportsLineAndColumnInScalarsFromOne() {
        let error = parseFailure("{\n  \"é\": tru\n}")
        #expect(error?.reason == .invalidLiteral)
        #expect(error?.line == 2)
        #expect(error?.column == 8)
        #expect(error?.offset == 10)
    }
}

struct JSONWriterTests {
    @Test func writesCompactTextWithoutWhitespace() {
        #expect(JSONWriter.text([1, "a", [true, nil], ["k": -2.5]]) == #"[1,"a",[true,null],{"k":-2.5}]"#)
    }

    @Test func escapesQuotesBackslashesAndEveryControlCharacter() {
        let text = JSONWriter.text(.string("\"\\/\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}é"))
        #expect(text == #""\"\\/\n\r\t\b\f\u0000\u001f"# + "\u{7f}é\"")
    }

    @Test func canonicalStyleSortsKeysByUTF8Bytes() {
        let value: JSONValue = ["é": 1, "b": 2, "a": ["z": 1, "Z": 2], "B": 3, "": 4]
        #expect(JSONWriter.text(value, style: .canonical) == #"{"":4,"B":3,"a":{"Z":2,"z":1},"b":2,"é":1}"#)
    }

    @Test func writesIntegersExactlyAtTheEdgesOfTheirRanges() {
        #expect(JSONWriter.text([.uint(UInt64.max), .int(Int64.min)]) == "[18446744073709551615,-9223372036854775808]")
    }

    @Test func writesNonFiniteDoublesAsNull() {
        #expect(JSONWriter.text([.double(.infinity), .double(-.infinity), .double(.nan)]) == "[null,null,null]")
    }

    @Test(arguments: [0.1, 1e300, -2.5e-8, 123456.789, .leastNonzeroMagnitude, 1.0])
    func doublesRoundTripThroughTheirShortestText(value: Double) throws {
        let text = JSONWriter.text(.double(value))
        #expect(!text.contains("inf") && !text.contains("nan"))
        #expect(try JSONParser.parse(text) == .double(value))
    }

    @Test func jsonLineIsOneLineEndingInANewline() {
        let line = JSONWriter.jsonLine(["text": "two\nlines"])
        #expect(line == #"{"text":"two\nlines"}"# + "\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func parsingWrittenTextGivesBackTheSameValue() throws {
        let value: JSONValue = [
            "nested": [["deep": [1, 2, ["x": nil]]]], "big": .uint(UInt64.max), "neg": .int(Int64.min),
            "text": "tab\there \u{1} \"quoted\" 😀", "flag": false, "pi": 3.141592653589793,
        ]
        #expect(try JSONParser.parse(JSONWriter.text(value)) == value)
        #expect(try JSONParser.parse(JSONWriter.text(value, style: .canonical)) == value)
    }
}
