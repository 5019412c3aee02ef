/// Decides whether an object key names a secret, so its whole value is replaced.
///
/// A key is split into lower-cased words at separators (`_`, `-`, `.`, space, …) and camel-case
/// boundaries: `X-Api-Key`, `apiKey`, `API_KEY` and `APIKey` all become `api key`. It is secret when:
/// - a word, or two adjacent words joined, is in `secretWords` (`password`, `apikey`, `privatekey`,
///   `authorization`, `cookie`, `credentials`, …), anywhere in the key; or
/// - its last word is in `secretLastWords` (`token`, `session`, `auth`, `pat`, …).
///
/// The last-word rule is why `access_token`, `githubToken` and `session` are secret while
/// `token_count`, `max_tokens` and `session_count` are not: a telemetry payload of a code server is
/// full of token usage counters that an operator needs to see.
public struct SecretKeys: Sendable {
    public var secretWords: Set<String>
    public var secretLastWords: Set<String>

    public static let defaultSecretWords: Set<String> = [
        "password", "passwd", "passphrase", "pwd", "secret", "secrets", "credential", "credentials",
        "authorization", "cookie", "cookies", "setcookie", "apikey", "apikeys", "privatekey", "accesskey",
        "secretkey", "signingkey", "encryptionkey", "clientsecret", "sessionkey", "sessiontoken", "sessionid",
    ]

    public static let defaultSecretLastWords: Set<String> = [
        "token", "session", "auth", "pat", "bearer", "jwt", "otp", "pin",
    ]

    public init(secretWords: Set<String> = defaultSecretWords, secretLastWords: Set<String> = defaultSecretLastWords) {
        self.secretWords = secretWords
        self.secretLastWords = secretLastWords
    }

    public func isSecret(_ key: String) -> Bool {
        let words = Self.words(key)
        guard let last = words.last else { return false }
        if secretLastWords.contains(last) { return true }
        for (i, word) in words.enumerated() {
            if secretWords.contains(word) { return true }
            if i + 1 < words.count, secretWords.contains(word + words[i + 1]) { return true }
        }
        return false
    }

    /// `"X-Api-Key"` → `["x", "api", "key"]`, `"APIKey"` → `["api", "key"]`, `"sessionID"` → `["session", "id"]`.
    static func words(_ key: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        let bytes = Array(key.utf8)
        func flush() {
            if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
            current.removeAll(keepingCapacity: true)
        }
        for (i, byte) in bytes.enumerated() {
            let isUpper = byte >= 0x41 && byte <= 0x5A
            let isLower = byte >= 0x61 && byte <= 0x7A
            let isDigit = byte >= 0x30 && byte <= 0x39
            guard isUpper || isLower || isDigit || byte >= 0x80 else {
                flush()
                continue
            }
            if isUpper, !current.isEmpty {
                let previous = bytes[i - 1]
                let previousIsLowerOrDigit = (previous >= 0x61 && previous <= 0x7A) || (previous >= 0x30 && previous <= 0x39)
                let nextIsLower = i + 1 < bytes.count && bytes[i + 1] >= 0x61 && bytes[i + 1] <= 0x7A
                let previousIsUpper = previous >= 0x41 && previous <= 0x5A
                // "apiKey": lower → upper starts a word; "APIKey": the last capital of a run
                // followed by lower case starts one.
                if previousIsLowerOrDigit || (previousIsUpper && nextIsLower) { flush() }
            }
            current.append(isUpper ? byte + 0x20 : byte)
        }
        flush()
        return words
    }
}
