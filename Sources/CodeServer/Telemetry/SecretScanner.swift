/// Finds secret-looking values inside free text and replaces only the secret part, keeping the
/// rest of the string (and a recognisable prefix such as `ghp_`) so an operator can still read
/// what happened and which kind of credential leaked.
///
/// Hand-written matchers over UTF-8 bytes, one left-to-right pass, no regex engine and no
/// Foundation: every pattern is ASCII, so multi-byte characters only ever act as boundaries and
/// the output stays valid UTF-8. Patterns (a match must start at a word boundary):
/// - PEM private key blocks, `-----BEGIN … PRIVATE KEY-----` through the matching END line (to the
///   end of the text when the END line is missing, since a truncated key is still a key);
/// - `Bearer <token>` (any case; token of at least 8 characters that has a digit or one of
///   `-._~+/=`, so "Bearer token required" stays);
/// - `sk-` + 20 or more of `[A-Za-z0-9_-]`; `ghp_`/`gho_`/`ghs_`/`ghu_`/`ghr_` + 20 or more
///   alphanumerics; `github_pat_` + 20 or more of `[A-Za-z0-9_]`; `AKIA`/`ASIA` + exactly 16 of
///   `[0-9A-Z]`; `xoxa-`/`xoxb-`/`xoxp-`/`xoxo-`/`xoxs-`/`xoxr-` + 10 or more of `[A-Za-z0-9-]`;
/// - JWTs: three base64url segments separated by dots, the first starting `eyJ`.
public enum SecretScanner {
    public static let replacement = "[REDACTED]"

    /// `text` with every secret replaced, or `text` itself when nothing matched.
    public static func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var copiedUpTo = 0
        var i = 0
        while i < bytes.count {
            if isBoundary(bytes, i), let match = match(bytes, i) {
                if out.isEmpty { out.reserveCapacity(bytes.count) }
                out.append(contentsOf: bytes[copiedUpTo..<match.secretStart])
                out.append(contentsOf: replacement.utf8)
                copiedUpTo = match.end
                i = match.end
            } else {
                i += 1
            }
        }
        guard copiedUpTo > 0 else { return text }
        out.append(contentsOf: bytes[copiedUpTo...])
        return String(decoding: out, as: UTF8.self)
    }

    /// A match from its start: the bytes in `secretStart..<end` are replaced, the kept prefix is
    /// before `secretStart`.
    private struct Match {
        var secretStart: Int
        var end: Int
    }

    private static func match(_ b: [UInt8], _ i: Int) -> Match? {
        switch b[i] {
        case UInt8(ascii: "-"): pem(b, i)
        case UInt8(ascii: "B"), UInt8(ascii: "b"): bearer(b, i)
        case UInt8(ascii: "s"): prefixed(b, i, "sk-", minimum: 20, allowed: isBase64URL)
        case UInt8(ascii: "g"):
            prefixed(b, i, "github_pat_", minimum: 20, allowed: isWord)
                ?? ["ghp_", "gho_", "ghs_", "ghu_", "ghr_"].lazy.compactMap {
                    prefixed(b, i, $0, minimum: 20, allowed: isAlphanumeric)
                }.first
        case UInt8(ascii: "A"): awsKey(b, i)
        case UInt8(ascii: "x"): slack(b, i)
        case UInt8(ascii: "e"): jwt(b, i)
        default: nil
        }
    }

    // MARK: - Patterns

    private static func pem(_ b: [UInt8], _ i: Int) -> Match? {
        guard hasPrefix(b, i, "-----BEGIN "), let headerEnd = find(b, "-----", from: i + 11),
              endsWith(b, i + 11, headerEnd, "PRIVATE KEY")
        else { return nil }
        guard let endMarker = find(b, "-----END ", from: headerEnd + 5) else {
            return Match(secretStart: i, end: b.count)
        }
        guard let footerEnd = find(b, "-----", from: endMarker + 9) else { return Match(secretStart: i, end: b.count) }
        return Match(secretStart: i, end: footerEnd + 5)
    }

    private static func bearer(_ b: [UInt8], _ i: Int) -> Match? {
        let word = "bearer".utf8
        guard i + word.count < b.count else { return nil }
        for (k, c) in word.enumerated() where lower(b[i + k]) != c { return nil }
        var start = i + word.count
        guard b[start] == UInt8(ascii: " ") || b[start] == UInt8(ascii: "\t") else { return nil }
        while start < b.count, b[start] == UInt8(ascii: " ") || b[start] == UInt8(ascii: "\t") { start += 1 }
        var end = start
        var looksLikeToken = false
        while end < b.count, isAlphanumeric(b[end]) || isTokenPunctuation(b[end]) {
            if !isLetter(b[end]) { looksLikeToken = true }
            end += 1
        }
        guard end - start >= 8, looksLikeToken else { return nil }
        return Match(secretStart: start, end: end)
    }

    private static func prefixed(
        _ b: [UInt8], _ i: Int, _ prefix: String, minimum: Int, allowed: (UInt8) -> Bool
    ) -> Match? {
        guard hasPrefix(b, i, prefix) else { return nil }
        let start = i + prefix.utf8.count
        var end = start
        while end < b.count, allowed(b[end]) { end += 1 }
        guard end - start >= minimum else { return nil }
        return Match(secretStart: start, end: end)
    }

    private static func awsKey(_ b: [UInt8], _ i: Int) -> Match? {
        guard hasPrefix(b, i, "AKIA") || hasPrefix(b, i, "ASIA") else { return nil }
        let start = i + 4
        var end = start
        while end < b.count, isDigit(b[end]) || (b[end] >= 0x41 && b[end] <= 0x5A) { end += 1 }
        guard end - start == 16, end == b.count || !isAlphanumeric(b[end]) else { return nil }
        return Match(secretStart: start, end: end)
    }

    private static func slack(_ b: [UInt8], _ i: Int) -> Match? {
        guard hasPrefix(b, i, "xox"), i + 4 < b.count, "abposr".utf8.contains(b[i + 3]),
              b[i + 4] == UInt8(ascii: "-")
        else { return nil }
        let start = i + 5
        var end = start
        while end < b.count, isAlphanumeric(b[end]) || b[end] == UInt8(ascii: "-") { end += 1 }
        guard end - start >= 10 else { return nil }
        return Match(secretStart: i + 5, end: end)
    }

    private static func jwt(_ b: [UInt8], _ i: Int) -> Match? {
        guard hasPrefix(b, i, "eyJ") else { return nil }
        var end = i
        for segment in 0..<3 {
            let start = end
            while end < b.count, isBase64URL(b[end]) { end += 1 }
            guard end - start >= (segment == 0 ? 10 : 2) else { return nil }
            if segment < 2 {
                guard end < b.count, b[end] == UInt8(ascii: ".") else { return nil }
                end += 1
            }
        }
        return Match(secretStart: i, end: end)
    }

    // MARK: - Bytes

    private static func isBoundary(_ b: [UInt8], _ i: Int) -> Bool {
        i == 0 || !(isAlphanumeric(b[i - 1]) || b[i - 1] == UInt8(ascii: "_"))
    }

    private static func hasPrefix(_ b: [UInt8], _ i: Int, _ prefix: String) -> Bool {
        let p = prefix.utf8
        guard i + p.count <= b.count else { return false }
        var k = i
        for c in p {
            if b[k] != c { return false }
            k += 1
        }
        return true
    }

    /// First index at or after `from` where `needle` starts.
    private static func find(_ b: [UInt8], _ needle: String, from: Int) -> Int? {
        var i = from
        while i < b.count {
            if hasPrefix(b, i, needle) { return i }
            i += 1
        }
        return nil
    }

    private static func endsWith(_ b: [UInt8], _ start: Int, _ end: Int, _ suffix: String) -> Bool {
        let length = suffix.utf8.count
        return end - start >= length && hasPrefix(b, end - length, suffix)
    }

    private static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    private static func isAlphanumeric(_ c: UInt8) -> Bool { isLetter(c) || isDigit(c) }
    private static func isWord(_ c: UInt8) -> Bool { isAlphanumeric(c) || c == UInt8(ascii: "_") }
    private static func isBase64URL(_ c: UInt8) -> Bool { isWord(c) || c == UInt8(ascii: "-") }
    private static func isTokenPunctuation(_ c: UInt8) -> Bool { "-._~+/=".utf8.contains(c) }
}
