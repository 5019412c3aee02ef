import Sandbox

/// One asset file that did not load: which kind, where (root-relative path, the 1-based line when
/// known), a stable code and the reason. A project with issues is degraded, not down: every other
/// file still loads, unless `strict_asset_loading` makes any issue fatal.
public struct AssetIssue: Sendable, Equatable, CustomStringConvertible {
    /// Raw values are wire names and never change once shipped.
    public enum Code: String, Sendable, CaseIterable {
        /// The file could not be opened or read (permissions, a race with a deletion).
        case unreadable
        /// The file is larger than `AssetLoader.maximumFileBytes`.
        case tooLarge = "too_large"
        /// A symbolic link (the file, or any directory on its way from the root): never followed,
        /// so an asset cannot expose a file outside `.jido/`.
        case symlink
        /// Named `*.md` but not a regular file (a FIFO, a socket, a device), or a kind's directory
        /// that is not a directory: never opened for reading.
        case notRegularFile = "not_regular_file"
        /// A bound of the snapshot or the watcher was reached (`asset_max_files`,
        /// `asset_max_total_bytes`, `watcher_max_directories`, `watcher_max_depth`): not read or
        /// not watched.
        case limitReached = "limit_reached"
        /// The bytes are not UTF-8; the line is where the first bad sequence starts. Also a file
        /// or directory whose name is not UTF-8 (no line; its path shows `\xNN` for those bytes).
        case invalidUTF8 = "invalid_utf8"
        /// The file does not open with a `---` front matter block, or never closes it.
        case missingFrontMatter = "missing_front_matter"
        /// The front matter is not YAML (Yams' own message and line).
        case invalidYAML = "invalid_yaml"
        /// A field is missing, unknown, of the wrong type or out of range.
        case invalidField = "invalid_field"
        /// Another file of the same kind already has this name; both are refused.
        case duplicateName = "duplicate_name"
        /// A workflow step names a command that does not exist or is itself invalid.
        case unknownReference = "unknown_reference"
        /// A skill graph link names no node.
        case unknownLink = "unknown_link"
    }

    public var kind: AssetKind
    /// Relative to the project root (`.jido/commands/build.md`).
    public var path: String
    public var line: Int?
    public var code: Code
    public var reason: String

    public init(kind: AssetKind, path: String, line: Int? = nil, code: Code, reason: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.code = code
        self.reason = reason
    }

    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(code.rawValue): \(reason)"
    }

    public var json: JSONValue {
        [
            "kind": .string(kind.rawValue), "path": .string(path), "line": line.map { .int(Int64($0)) } ?? .null,
            "code": .string(code.rawValue), "reason": .string(reason),
        ]
    }
}

/// A problem found while parsing one file, before the loader knows its kind and path.
struct AssetParseError: Error, Sendable, Equatable {
    var code: AssetIssue.Code
    var line: Int?
    var reason: String

    init(_ code: AssetIssue.Code, line: Int?, _ reason: String) {
        self.code = code
        self.line = line
        self.reason = reason
    }

    static func field(_ line: Int?, _ reason: String) -> AssetParseError { AssetParseError(.invalidField, line: line, reason) }

    func issue(kind: AssetKind, path: String) -> AssetIssue {
        AssetIssue(kind: kind, path: path, line: line, code: code, reason: reason)
    }
}
