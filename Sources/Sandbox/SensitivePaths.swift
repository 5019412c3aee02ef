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

    /// The denial for the last of `components` when none of its ancestors is denied: what a walk
    /// that stops at every denied directory needs, checking only the runs that end at the new
    /// component. Same answer as `match` for such paths, at a fraction of its cost.
    public func matchLast(_ components: [String]) -> Match? {
        guard !components.isEmpty else { return nil }
        // A pattern spanning k components can only match the run of the last k: one subject per
        // pattern (all of them only for `**`), and the last component alone for most.
        var subjects: [Int: String] = [:]
        func subject(_ count: Int) -> String {
            if let known = subjects[count] { return known }
            let text = count == 1 ? components[components.count - 1] : components.suffix(count).joined(separator: "/")
            subjects[count] = text
            return text
        }
        var denial: Match? = nil
        search: for pattern in denylist {
            if let count = pattern.componentCount {
                guard count <= components.count else { continue }
                let text = subject(count)
                if pattern.matches(text) {
                    denial = Match(pattern: pattern, subject: text)
                    break search
                }
            } else {
                for count in 1...components.count where pattern.matches(subject(count)) {
                    denial = Match(pattern: pattern, subject: subject(count))
                    break search
                }
            }
        }
        guard let denial else { return nil }
        let allowed = (1...components.count).contains { count in allowlist.contains { $0.matches(subject(count)) } }
        return allowed ? nil : denial
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
