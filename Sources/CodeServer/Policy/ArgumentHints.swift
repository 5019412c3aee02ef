/// What a tool's input schema says about its argument keys, beyond the names the policy already
/// recognises. Keys are matched by name at any depth, ignoring case (they are kept lowercased).
public struct ArgumentHints: Sendable, Equatable {
    /// Keys whose values are paths even though their names do not say so (`fs.search`'s `in`, say).
    public let pathKeys: Set<String>
    /// Keys whose values are data the tool stores or searches for, never a place it goes:
    /// `fs.write`'s `content`, `fs.search`'s `pattern`. They are not searched for paths or URLs, so
    /// writing a README that mentions `https://example.com` is not a network attempt. Everything
    /// else is searched, so a schema that forgets a hint fails closed.
    public let dataKeys: Set<String>

    public init(pathKeys: Set<String> = [], dataKeys: Set<String> = []) {
        self.pathKeys = Set(pathKeys.map { $0.lowercased() })
        self.dataKeys = Set(dataKeys.map { $0.lowercased() })
    }
}
