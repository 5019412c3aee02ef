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

    public init(match: Match, reasonCode: String) {
        self.match = match
        self.reasonCode = reasonCode
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
        case .path(let path): ["path": .string(path), "reason_code": .string(reasonCode)]
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
