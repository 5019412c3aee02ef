import Testing

@testable import CodeServer

struct NetworkTargetTests {
    @Test func urlGivesSchemeHostAndPort() {
        let target = NetworkTarget(parsing: "HTTPS://API.Example.com.:8443/v1?q=1")
        #expect(target.scheme == "https")
        #expect(target.host == .name("api.example.com"))
        #expect(target.port == 8443)
    }

    @Test func defaultPortComesFromTheScheme() {
        #expect(NetworkTarget(parsing: "https://example.com/").effectivePort == 443)
        #expect(NetworkTarget(parsing: "http://example.com").effectivePort == 80)
        #expect(NetworkTarget(parsing: "example.com").effectivePort == nil)
    }

    @Test func ipv6LiteralInBrackets() {
        let target = NetworkTarget(parsing: "http://[2001:db8::1]:8080/x")
        #expect(target.host == .address(IPAddress("2001:db8::1")!))
        #expect(target.port == 8080)
        #expect(NetworkTarget(parsing: "http://[fe80::1%25eth0]/").host == .address(IPAddress("fe80::1")!))
    }

    @Test func userinfoIsNotTheHost() {
        #expect(NetworkTarget(parsing: "http://example.com@evil.com/").host == .name("evil.com"))
        #expect(NetworkTarget(parsing: "http://evil.com\\@example.com/").host == .name("evil.com"))
    }

    @Test func bareAuthorities() {
        #expect(NetworkTarget(parsing: "db.internal:5432").port == 5432)
        #expect(NetworkTarget(parsing: "::1").host == .address(IPAddress("::1")!))
        #expect(NetworkTarget(parsing: "[::1]:80").port == 80)
        #expect(NetworkTarget(parsing: "db", port: 5432).port == 5432)
    }

    @Test func garbageKeepsItsTextAsAnUnparseableHost() {
        #expect(NetworkTarget(parsing: "http://exa$mple.com/").host == .unparseable("exa$mple.com"))
        #expect(NetworkTarget(parsing: "http://example.com:99999/").host == .unparseable("example.com:99999"))
        #expect(NetworkTarget(parsing: "http://[::1/").host == .unparseable("[::1"))
    }

    @Test func urlWithoutAHostHasNoEndpoint() {
        let target = NetworkTarget(parsing: "file:///etc/passwd")
        #expect(target.scheme == "file")
        #expect(target.host == nil)
    }
}
