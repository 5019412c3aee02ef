/// `key=value` pairs inside free text: `--file=../secret`, `path=/etc/passwd other=1`,
/// `dst="/tmp/a b"`. Tools and shells read such text as options, so a path or host given this way
/// is as real as one in its own argument.
enum KeyValueText {
    struct Pair: Equatable {
        /// Without leading dashes: `--out-dir=x` gives `out-dir`.
        var key: String
        var value: String
    }

    /// The pairs in order. A key is a run of letters, digits, `_`, `-` and `.` right before `=`; a
    /// value runs to whitespace, `&` or `;`, or to the closing quote when it starts with one.
    static func pairs(in text: String) -> [Pair] {
        let scalars = Array(text.unicodeScalars)
        var pairs: [Pair] = []
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "=" else {
                index += 1
                continue
            }
            var keyStart = index
            while keyStart > 0 && isKeyScalar(scalars[keyStart - 1]) { keyStart -= 1 }
            while keyStart < index && scalars[keyStart] == "-" { keyStart += 1 }
            let (value, end) = value(in: scalars, from: index + 1)
            if keyStart < index {
                pairs.append(Pair(key: String(String.UnicodeScalarView(scalars[keyStart..<index])), value: value))
            }
            index = max(end, index + 1)
        }
        return pairs
    }

    private static func value(in scalars: [Unicode.Scalar], from start: Int) -> (String, end: Int) {
        var end = start
        if start < scalars.count, scalars[start] == "\"" || scalars[start] == "'" {
            let quote = scalars[start]
            end = start + 1
            while end < scalars.count && scalars[end] != quote { end += 1 }
            return (String(String.UnicodeScalarView(scalars[(start + 1)..<end])), end + 1)
        }
        while end < scalars.count && !isValueTerminator(scalars[end]) { end += 1 }
        return (String(String.UnicodeScalarView(scalars[start..<end])), end)
    }

    private static func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
            || scalar == "."
    }

    private static func isValueTerminator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar == "&" || scalar == ";"
    }
}
