/// Key names as words: `filePath`, `file_path`, `--file-path` and `file.path` all end in "path".
enum KeyWords {
    /// Whether `key` (any case) is one of `names` or ends in a word that is.
    static func key(_ key: String, endsIn names: Set<String>) -> Bool {
        let lowered = key.lowercased()
        if names.contains(lowered) { return true }
        guard let last = words(key).last else { return false }
        return names.contains(last)
    }

    /// Lowercased words split at `_`, `-`, `.` and lower-to-upper case changes.
    static func words(_ key: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previousWasLower = false
        for character in key {
            if character == "_" || character == "-" || character == "." {
                if !current.isEmpty { words.append(current) }
                current = ""
                previousWasLower = false
                continue
            }
            if character.isUppercase && previousWasLower {
                words.append(current)
                current = ""
            }
            current.append(contentsOf: character.lowercased())
            previousWasLower = character.isLowercase || character.isNumber
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
