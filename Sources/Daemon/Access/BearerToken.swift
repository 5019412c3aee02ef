import Sandbox

/// One credential of the TCP listener: a name for the logs, the SHA-256 of the secret, the
/// projects it may touch, and whether it may scrape `/metrics`. Only the digest is kept, so
/// neither the config file nor a memory dump of the daemon holds a usable token.
public struct BearerToken: Sendable, Equatable {
    public var name: String
    public var digest: [UInt8]
    public var scope: TokenScope
    /// `/metrics` shows every project's counters, so it takes an all-projects token or one
    /// given `"metrics": true`: a Prometheus scraper gets that and nothing else.
    public var readsMetrics: Bool

    public init(name: String, digest: [UInt8], scope: TokenScope, readsMetrics: Bool = false) {
        self.name = name
        self.digest = digest
        self.scope = scope
        self.readsMetrics = readsMetrics || scope == .allProjects
    }

    /// Whether `presented` is this token's secret. The digests are compared in constant time: a
    /// comparison that stops at the first differing byte leaks, through its timing, how much of a
    /// guess was right.
    func matches(digestOf presented: [UInt8]) -> Bool {
        guard presented.count == digest.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(presented, digest) { difference |= a ^ b }
        return difference == 0
    }
}

/// The tokens of the TCP listener, looked up by the secret a request presents.
public struct TokenTable: Sendable, Equatable {
    public var tokens: [BearerToken]

    public init(_ tokens: [BearerToken]) {
        self.tokens = tokens
    }

    /// The token whose secret is `secret`, if any. Every entry is compared, so the time taken
    /// does not say which entry (if any) matched.
    public func token(forSecret secret: Substring) -> BearerToken? {
        let presented = SHA256.digest(Array(secret.utf8))
        var found: BearerToken?
        for token in tokens where token.matches(digestOf: presented) { found = found ?? token }
        return found
    }
}
