import Sandbox

/// An entry of `outside_root_allowlist`: a place outside the project root that tools may use,
/// and the reason code recorded every time they do.
public struct OutsideRootEntry: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        /// An absolute, normal path: it and everything below it.
        case path(String)
        /// A glob over the whole absolute path, such as `/opt/sdk/*/include/**`.
        case pattern(Glob)
    }

    public var match: Match
    /// Why the exception exists (`shared_toolchain`, `ticket_4711`), carried by every
    /// `security.sandbox_exception_used` event so each use can be traced to its approval.
    public var reasonCode: String
    /// Whether tools may write there (`"writable": true`, `path` entries only); read-only by default.
    public var writable: Bool

    public init(match: Match, reasonCode: String, writable: Bool = false) {
        self.match = match
        self.reasonCode = reasonCode
        self.writable = writable
    }

    /// Where the sandbox binds the exception in, at the same path, so a call the policy let
    /// through finds it there: a `path` entry's path; a `pattern` entry's directory before its
    /// first wildcard (`/opt/sdk/*/include/**` binds `/opt/sdk`, read-only), nil when that is `/`.
    public var bindPath: String? {
        switch match {
        case .path(let path): return path
        case .pattern(let glob):
            let components = glob.pattern.split(separator: "/")
            let wildcards: Set<Character> = ["*", "?", "[", "{"]
            let literal = components.prefix { component in !component.contains { wildcards.contains($0) } }
            return literal.isEmpty ? nil : "/" + literal.joined(separator: "/")
        }
    }

    /// Whether `resolvedPath` (absolute, links followed) is covered. Entries are compared with the
    /// path after resolution, never as written, so a link inside an allowed directory cannot stretch
    /// the exception to wherever it points; list real paths.
    public func covers(_ resolvedPath: String) -> Bool {
        switch match {
        case .path(let path): PathText.isWithin(resolvedPath, path)
        case .pattern(let glob): glob.matches(resolvedPath)
        }
    }

    /// The entry as options write it.
    public var json: JSONValue {
        switch match {
        case .path(let path):
            writable
                ? ["path": .string(path), "reason_code": .string(reasonCode), "writable": true]
                : ["path": .string(path), "reason_code": .string(reasonCode)]
        case .pattern(let glob): ["pattern": .string(glob.pattern), "reason_code": .string(reasonCode)]
        }
    }
}

/// The outside-root exceptions of a project; the first entry that covers a path is the one used.
public struct OutsideRootAllowlist: Sendable, Equatable {
    public var entries: [OutsideRootEntry]

    public init(entries: [OutsideRootEntry]) {
        self.entries = entries
    }

    public func entry(covering resolvedPath: String) -> OutsideRootEntry? {
        entries.first { $0.covers(resolvedPath) }
    }
}
