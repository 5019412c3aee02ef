/// Which paths hold secrets, from `sensitive_path_denylist` and `sensitive_path_allowlist`.
///
/// A pattern matches at any depth, against any run of whole components of the path or of one of
/// its ancestors: `id_rsa` matches `deploy/id_rsa`, `.aws/credentials` matches
/// `home/.aws/credentials`, and `.ssh/*` matches `.ssh/keys/old`, because its ancestor `.ssh/keys`
/// matches. Secrets do not only sit at the top of a project, and a directory of them is as
/// sensitive as each file in it.
///
/// An allowlist pattern overrides the denylist when it matches the path itself (a run of
/// components ending at its last one): `.env.example` lets `app/.env.example` through while
/// `.env.*` still covers `app/.env.local`, and allowing `fixtures/**` lets test keys in `fixtures/`
/// through. Allowing a directory's name alone does not open what is inside it.
public struct SensitivePaths: Sendable, Equatable {
    public var denylist: [Glob]
    public var allowlist: [Glob]

    public init(denylist: [Glob], allowlist: [Glob]) {
        self.denylist = denylist
        self.allowlist = allowlist
    }

    /// What made a path sensitive.
    public struct Match: Sendable, Equatable {
        public var pattern: Glob
        /// The components the pattern matched, joined with `/`.
        public var subject: String
    }

    /// The first denylist match for `path` (relative to the root, or absolute outside it), or nil
    /// when nothing matches or an allowlist entry covers the path.
    public func match(_ path: String) -> Match? {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            .filter { $0 != "." }
        guard let match = firstDenial(components) else { return nil }
        let coveredByAllowlist = components.indices.contains { start in
            let subject = components[start...].joined(separator: "/")
            return allowlist.contains { $0.matches(subject) }
        }
        return coveredByAllowlist ? nil : match
    }

    /// What a walk that stops at every denied directory does with an entry.
    public enum WalkVerdict: Sendable, Equatable {
        /// Nothing covers it.
        case clear
        /// The denylist covers it but the allowlist lets it through: not masked, yet what is
        /// below it is still denied unless allowed itself ("allowing a directory's name alone
        /// does not open what is inside it").
        case allowed
        case denied(Match)
    }

    /// The verdict for the last of `components`, asked by a walk that entered each ancestor
    /// (none was denied); `belowAllowed` says that one of them was `.allowed`. Same answer as
    /// `match` for such paths. Only the runs that end at the new component are checked, and a
    /// multi-component pattern part by part (`Glob.matchesLast`): a walk asks this for every
    /// entry, and nothing is joined unless a `**` pattern needs the runs or a match is reported.
    public func walkVerdict(_ components: [String], belowAllowed: Bool = false) -> WalkVerdict {
        guard !components.isEmpty else { return .clear }
        // Rare (a denied directory the allowlist names): the whole path, as the policy asks it.
        if belowAllowed {
            return match(components.joined(separator: "/")).map(WalkVerdict.denied) ?? .allowed
        }
        var joined: [String?] = []
        func subject(_ count: Int) -> String {
            if count == 1 { return components[components.count - 1] }
            if joined.isEmpty { joined = Array(repeating: nil, count: components.count + 1) }
            if let known = joined[count] { return known }
            let text = components.suffix(count).joined(separator: "/")
            joined[count] = text
            return text
        }
        func matches(_ pattern: Glob) -> Int? {
            if let count = pattern.componentCount {
                return count <= components.count && pattern.matchesLast(of: components) ? count : nil
            }
            return (1...components.count).first { pattern.matches(subject($0)) }
        }
        // Patterns are read in place, by index.
        for index in denylist.indices {
            guard let count = matches(denylist[index]) else { continue }
            for allowed in allowlist.indices where matches(allowlist[allowed]) != nil { return .allowed }
            return .denied(Match(pattern: denylist[index], subject: subject(count)))
        }
        return .clear
    }

    private func firstDenial(_ components: [String]) -> Match? {
        for end in components.indices {
            for start in 0...end {
                let subject = components[start...end].joined(separator: "/")
                if let pattern = denylist.first(where: { $0.matches(subject) }) {
                    return Match(pattern: pattern, subject: subject)
                }
            }
        }
        return nil
    }
}
