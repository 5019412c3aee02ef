/// Lexical operations on slash-separated paths: no file system access, no symlinks. The resolver
/// and the matchers share them so that every rule splits and joins paths the same way.
enum PathText {
    /// The non-empty components, `.` dropped: `a//./b/` and `a/b` give the same list.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    /// `/` followed by the components, or `/` alone for none.
    static func absolute(_ components: some Collection<String>) -> String {
        "/" + components.joined(separator: "/")
    }

    /// The components of `path` below `root` when it lies lexically at or under it; nil otherwise.
    /// Only `.` and repeated slashes are ignored: a `..` in the path is left for the resolver.
    static func components(of path: String, under root: [String]) -> [String]? {
        let parts = components(path)
        guard parts.starts(with: root) else { return nil }
        return Array(parts.dropFirst(root.count))
    }

    /// Whether `path` is `ancestor` itself or lies below it; both must be absolute and normal.
    static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        ancestor == "/" || path == ancestor || path.hasPrefix(ancestor + "/")
    }

    /// Applies `..` by dropping the previous component, as string normalization does; a `..` at the
    /// top stays at `/`. For naming a path as written, never for deciding where it leads.
    static func lexicallyNormalized(_ components: [String]) -> [String] {
        var result: [String] = []
        for component in components {
            if component == ".." {
                if !result.isEmpty { result.removeLast() }
            } else {
                result.append(component)
            }
        }
        return result
    }
}
