import Testing

@testable import CodeServer

struct NetworkAllowlistEntryTests {
    private func entry(_ text: String) throws -> NetworkAllowlistEntry {
        try NetworkAllowlistEntry(parsing: text)
    }

    private func matches(_ entryText: String, _ target: String) throws -> Bool {
        try entry(entryText).matches(NetworkTarget(parsing: target))
    }

    @Test func exactHostMatchesAnyPortButNoOtherHost() throws {
        #expect(try matches("api.example.com", "https://API.example.com/x"))
        #expect(try matches("api.example.com", "http://api.example.com:8080"))
        #expect(try !matches("api.example.com", "https://api.example.com.evil.net/"))
        #expect(try !matches("api.example.com", "https://sub.api.example.com/"))
    }

    @Test func suffixMatchesSubdomainsOnly() throws {
        #expect(try matches("*.example.com", "https://a.example.com"))
        #expect(try matches("*.example.com", "https://a.b.example.com"))
        #expect(try !matches("*.example.com", "https://example.com"))
        #expect(try !matches("*.example.com", "https://evilexample.com"))
        #expect(try !matches("*.example.com", "https://example.com.evil.net"))
    }

    @Test func portRuleUsesTheWrittenOrDefaultPort() throws {
        #expect(try matches("api.example.com:443", "https://api.example.com/"))
        #expect(try !matches("api.example.com:443", "http://api.example.com/"))
        #expect(try !matches("api.example.com:443", "https://api.example.com:8443/"))
        #expect(try !matches("db.internal:5432", "db.internal"), "an unknown port does not match a port rule")
        #expect(try matches("*.example.com:8443", "https://x.example.com:8443/"))
    }

    @Test func ipv6EntriesWithAndWithoutPort() throws {
        #expect(try matches("::1", "http://[0:0::1]:9000/"))
        #expect(try matches("[::1]:8080", "http://[::1]:8080/"))
        #expect(try !matches("[::1]:8080", "http://[::1]:8081/"))
    }

    @Test func cidrBlocksMatchAddressesNotNames() throws {
        #expect(try matches("10.0.0.0/8", "http://10.20.30.40/"))
        #expect(try matches("10.0.0.0/8", "http://[::ffff:10.0.0.1]/"))
        #expect(try !matches("10.0.0.0/8", "http://11.0.0.1/"))
        #expect(try matches("fd00::/8", "http://[fd12:3456::1]:80/"))
        #expect(try !matches("fd00::/8", "http://[fe80::1]/"))
        #expect(try !matches("10.0.0.0/8", "http://internal.example/"))
        #expect(try !matches("10.0.0.0/8", "http://167772161/"), "a decimal address is a name here")
    }

    @Test(arguments: [
        ("", NetworkAllowlistEntry.ParseError.empty),
        ("10.0.0.1/8", .hostBitsSet),
        ("10.0.0.0/33", .invalidPrefixLength),
        ("10.0.0.0/x", .invalidPrefixLength),
        ("example.com/8", .invalidAddress),
        ("example.com:http", .invalidPort),
        ("example.com:70000", .invalidPort),
        ("[::1]:", .invalidPort),
        ("exa mple.com", .invalidHost),
        ("a..b", .invalidHost),
        ("[10.0.0.1]", .invalidHost),
        ("api.*.example.com", .misplacedWildcard),
        ("*example.com", .misplacedWildcard),
    ])
    func invalidEntriesAreRefusedWithAReason(text: String, error: NetworkAllowlistEntry.ParseError) {
        #expect(throws: error) { try NetworkAllowlistEntry(parsing: text) }
    }
}
