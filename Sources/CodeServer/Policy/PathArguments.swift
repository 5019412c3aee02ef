import Sandbox

/// Finds the path arguments of a call wherever they are.
///
/// A path is a string under a path key (the usual names below, names ending in one of them such
/// as `file_path` or `outputDir`, or a key the tool's schema marks), including strings in lists
/// under such a key and in JSON-encoded objects or arrays; and the value of a `key=value` pair in
/// any string whose key is a path key (`--file=../x` in an argv). A policy that only read a
/// top-level `path` would miss each of those. Strings under the schema's data keys are skipped.
public struct PathArguments: Sendable, Equatable {
    /// Key names (and last words of key names) that hold paths.
    public static let usualKeys: Set<String> = [
        "path", "paths", "file", "files", "filename", "dir", "dirs", "directory", "folder", "cwd", "workdir",
        "target", "source", "destination", "dest", "src", "dst", "root", "input", "output",
    ]

    public var hints: ArgumentHints

    public init(hints: ArgumentHints) {
        self.hints = hints
    }

    /// Every path found, each once, in the order first found.
    public func find(in arguments: JSONValue) -> [String] {
        var paths: [String] = []
        var seen = Set<String>()
        func add(_ path: String) {
            if seen.insert(path).inserted { paths.append(path) }
        }
        ArgumentWalker(dataKeys: hints.dataKeys).walk(arguments) { text, context in
            if let key = context.key, isPathKey(key) { add(text) }
            for pair in KeyValueText.pairs(in: text) where isPathKey(pair.key) { add(pair.value) }
        }
        return paths
    }

    private func isPathKey(_ key: String) -> Bool {
        hints.pathKeys.contains(key.lowercased()) || KeyWords.key(key, endsIn: Self.usualKeys)
    }
}
