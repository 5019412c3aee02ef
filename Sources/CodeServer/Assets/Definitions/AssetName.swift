/// The names of skills, commands and workflows: 1 to 64 of ASCII letters, digits, `_` and `-`,
/// starting with a letter or digit. Command and workflow names become tool names
/// (`command.run.<name>`), so dots, spaces and slashes are kept out.
enum AssetName {
    static func validate(_ name: String, line: Int?, context: String) throws(AssetParseError) {
        let valid =
            (1...64).contains(name.count) && name.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        guard valid else {
            throw .field(line, "\(context): name '\(name)' must be 1 to 64 of letters, digits, '_' and '-', starting with a letter or digit")
        }
    }
}
