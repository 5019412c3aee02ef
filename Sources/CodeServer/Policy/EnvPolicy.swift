import Sandbox

/// An entry of `tool_env_allowlist`: a variable name, or a name prefix ending in `*` (`LC_*`).
/// Only a trailing `*`, as in sandbox profiles: a list of prefixes is easy to read and to audit.
public struct EnvPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Nil unless `text` is a variable name (a letter or `_`, then letters, digits or `_`),
    /// optionally followed by one `*`.
    public init?(_ text: String) {
        let name = text.hasSuffix("*") ? text.dropLast() : Substring(text)
        guard EnvPattern.isVariableName(name) || (name.isEmpty && text == "*") else { return nil }
        self.text = text
    }

    public var description: String { text }

    public func matches(_ name: String) -> Bool {
        text.hasSuffix("*") ? name.hasPrefix(text.dropLast()) : name == text
    }

    static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || first.isLetter else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0.isLetter || $0.isDigit }
    }
}

extension UInt8 {
    fileprivate var isLetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    fileprivate var isDigit: Bool { (0x30...0x39).contains(self) }
}

/// Which environment variables a call may pass to its tool, from `tool_env_allowlist`. The list
/// is empty by default: the coordinator's environment holds its own secrets, and a variable only
/// reaches a tool when the project names it.
public struct EnvPolicy: Sendable, Equatable {
    public var allowlist: [EnvPattern]

    public init(allowlist: [EnvPattern]) {
        self.allowlist = allowlist
    }

    /// One `env_denied` finding per requested name no entry covers, in the order requested.
    public func check(names: [String]) -> [Finding] {
        var seen = Set<String>()
        let denied = names.filter { name in
            seen.insert(name).inserted && !allowlist.contains { $0.matches(name) }
        }
        return denied.map { name in
            Finding(
                code: .envDenied, detail: "environment variable '\(name)' is not in tool_env_allowlist",
                evidence: ["variable": .string(name)])
        }
    }
}
