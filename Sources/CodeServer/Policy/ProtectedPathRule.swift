import Sandbox

/// Refuses writes to protected paths (`ProtectedPaths`), unless a `protected_path_exceptions`
/// entry lifts the one that covers the path; each lifted write is recorded as
/// `sandbox_exception_used` with the exception's reason code.
///
/// The path is judged by its name as written (normalized) and by where it resolves, both relative
/// to the root, so neither `.git/hooks/../config` nor a link `x -> .jido/commands` writes the
/// catalog. Reads are not refused: the catalog is the project's to read.
public struct ProtectedPathRule: Sendable {
    /// The tools that write the paths they are given.
    public static let writingTools: Set<String> = ["fs.write"]

    public var resolver: PathResolver
    /// Every entry (normalized: `.jido/` is `.jido`), protected or lifted: a lifted one is still
    /// recorded when used.
    public var entries: [String]
    public var exceptions: [ProtectedPathException]

    public init(resolver: PathResolver, entries: [String] = ProtectedPaths.defaults, exceptions: [ProtectedPathException]) {
        self.resolver = resolver
        self.entries = entries.map(ProtectedPaths.normalized).filter { !$0.isEmpty }
        self.exceptions = exceptions
    }

    public func check(tool: String, path: String) -> [Finding] {
        guard Self.writingTools.contains(tool) else { return [] }
        let resolution = resolver.resolve(path)
        let rootComponents = PathText.components(resolver.root)
        var names: [String] = []
        let written = PathText.lexicallyNormalized(
            path.hasPrefix("/") ? PathText.components(path) : rootComponents + PathText.components(path))
        for absolute in [written, PathText.components(resolution.resolved)] where absolute.starts(with: rootComponents) {
            names.append(absolute.dropFirst(rootComponents.count).joined(separator: "/"))
        }
        for name in names {
            guard let entry = entries.first(where: { !name.isEmpty && PathText.isWithin(name, $0) }) else { continue }
            var evidence: [String: JSONValue] = [
                "path": .string(path), "resolved": .string(resolution.resolved), "protected_path": .string(entry),
            ]
            if let exception = exceptions.first(where: { $0.path == entry }) {
                evidence["reason_code"] = .string(exception.reasonCode)
                evidence["entry"] = exception.json
                return [
                    Finding(
                        code: .sandboxExceptionUsed,
                        detail: "path '\(path)' is protected ('\(entry)'), allowed by protected_path_exceptions "
                            + "(reason_code \(exception.reasonCode))",
                        evidence: evidence)
                ]
            }
            return [
                Finding(
                    code: .protectedPath,
                    detail: "path '\(path)' is protected ('\(entry)'): tools may not write it "
                        + "(lift it with protected_path_exceptions)",
                    evidence: evidence)
            ]
        }
        return []
    }
}
