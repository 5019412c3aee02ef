import ArgumentParser
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

extension JCS {
    /// The entry point after the `sandbox run` fast path: a mistyped verb gets a did-you-mean,
    /// and with `--json` a usage error is a JSON object on stdout (`{"error": "usage", "message"}`,
    /// exit 64) like every other error of the daemon verbs, so a script parses one format.
    public static func runMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        let json = arguments.contains("--json")
        if let message = unknownVerb(arguments) { usageFailure(message, json: json) }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Glibc.exit(0)
        } catch {
            let code = exitCode(for: error)
            if json && code.rawValue == 64 {
                usageFailure(fullMessage(for: error), json: true)
            }
            self.exit(withError: error)
        }
    }

    private static func usageFailure(_ message: String, json: Bool) -> Never {
        if json {
            print(JSONWriter.text(["error": "usage", "message": .string(message)]))
        } else {
            printError("jcs: \(message)")
        }
        Glibc.exit(64)
    }

    /// `jcs projcet …` or `jcs project strat …`: the word that is not a verb, with the nearest
    /// verb and the list; nil when the words name verbs (or options start).
    static func unknownVerb(_ arguments: [String]) -> String? {
        var command: any ParsableCommand.Type = JCS.self
        var path = "jcs"
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-") else { return nil }
            let names = subcommands.map { $0._commandName }
            if word == "help" { return nil }
            guard let index = names.firstIndex(of: word) else {
                let hint = Suggestions.closest(to: word, among: names).first.map { " Did you mean '\(path) \($0)'?" } ?? ""
                return "'\(word)' is not a \(path) command.\(hint) Commands: \(names.joined(separator: ", ")) "
                    + "(see `\(path) --help`)"
            }
            command = subcommands[index]
            path += " \(word)"
        }
        return nil
    }
}
