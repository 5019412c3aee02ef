import Sandbox

/// Finds the network targets of a call wherever they are.
///
/// A target is a string under a network key (the usual names below, or names ending in one of
/// them such as `base_url` or `remoteHost`), in lists and JSON-encoded containers as for paths,
/// the value of a `key=value` pair with such a key (`--host=evil.com`), and any `scheme://` URL
/// inside any string, so that `curl https://evil.com/x` in a script is found. Hosts written
/// without a scheme in free text (`curl evil.com`) cannot be told from words; for those the
/// worker's empty network namespace is what denies.
public struct NetworkTargets: Sendable, Equatable {
    public static let usualKeys: Set<String> = [
        "url", "urls", "uri", "uris", "host", "hosts", "hostname", "endpoint", "endpoints", "address", "addresses",
    ]

    public var hints: ArgumentHints

    public init(hints: ArgumentHints) {
        self.hints = hints
    }

    /// Every target found, each once, in the order first found.
    public func find(in arguments: JSONValue) -> [NetworkTarget] {
        var targets: [NetworkTarget] = []
        var seen = Set<NetworkTarget>()
        func add(_ target: NetworkTarget) {
            if seen.insert(target).inserted { targets.append(target) }
        }
        ArgumentWalker(dataKeys: hints.dataKeys).walk(arguments) { text, context in
            // URLs are cut out of the text wherever they are; a network value without `://` is
            // read whole as an authority.
            for url in Self.urls(in: text) { add(NetworkTarget(parsing: url)) }
            if let key = context.key, KeyWords.key(key, endsIn: Self.usualKeys), isAuthority(text) {
                add(NetworkTarget(parsing: text, port: context.port))
            }
            for pair in KeyValueText.pairs(in: text)
            where KeyWords.key(pair.key, endsIn: Self.usualKeys) && isAuthority(pair.value) {
                add(NetworkTarget(parsing: pair.value))
            }
        }
        return targets
    }

    private func isAuthority(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("://")
    }

    /// Each `scheme://…` in free text, from the scheme to the end of the URL (whitespace or a
    /// quote, less trailing punctuation). The scheme is the RFC 3986 run of letters, digits, `+`,
    /// `-` and `.` before `://`, starting at a letter.
    static func urls(in text: String) -> [String] {
        var urls: [String] = []
        var searchStart = text.startIndex
        while let separator = text[searchStart...].firstRange(of: "://") {
            var schemeStart = separator.lowerBound
            while schemeStart > text.startIndex, isSchemeCharacter(text[text.index(before: schemeStart)]) {
                schemeStart = text.index(before: schemeStart)
            }
            while schemeStart < separator.lowerBound, !text[schemeStart].isLetter {
                schemeStart = text.index(after: schemeStart)
            }
            var end = text[separator.upperBound...].firstIndex(where: endsURL) ?? text.endIndex
            // Prose puts punctuation after a URL: "(see https://x.example)." ends at the host.
            while end > separator.upperBound, ".,;:!?)".contains(text[text.index(before: end)]) {
                end = text.index(before: end)
            }
            if schemeStart < separator.lowerBound { urls.append(String(text[schemeStart..<end])) }
            searchStart = max(end, separator.upperBound)
        }
        return urls
    }

    private static func isSchemeCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "+-.".contains(character))
    }

    private static func endsURL(_ character: Character) -> Bool {
        character.isWhitespace || "\"'<>`".contains(character)
    }
}
