import Sandbox

/// Which tools a project may run, from `allow_tools` and `deny_tools`.
///
/// A deny entry wins over an allow entry, so a broad allow (`fs.*`) can carve out one tool
/// (`fs.write`) without listing the rest. An empty allow list means every tool is allowed: the
/// catalog itself is the first list of what exists, and the option narrows it.
public struct ToolRule: Sendable, Equatable {
    public var allow: [Glob]
    public var deny: [Glob]

    public init(allow: [Glob], deny: [Glob]) {
        self.allow = allow
        self.deny = deny
    }

    public func check(tool: String) -> [Finding] {
        if let entry = deny.first(where: { $0.matches(tool) }) {
            return [
                Finding(
                    code: .toolDenied, detail: "tool '\(tool)' matches deny_tools entry '\(entry)'",
                    evidence: ["tool": .string(tool), "entry": .string(entry.pattern)])
            ]
        }
        if !allow.isEmpty && !allow.contains(where: { $0.matches(tool) }) {
            return [
                Finding(
                    code: .toolNotAllowed, detail: "tool '\(tool)' matches no allow_tools entry",
                    evidence: ["tool": .string(tool)])
            ]
        }
        return []
    }
}
