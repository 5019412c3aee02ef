import Testing

@testable import CodeServer

struct EgressRuleTests {
    private func codes(_ rule: EgressRule, _ target: String) -> [ReasonCode] {
        rule.check(target: NetworkTarget(parsing: target)).map(\.code)
    }

    private func allowing(_ entries: [String], schemes: Set<String> = ["http", "https"]) throws -> EgressRule {
        EgressRule(
            policy: .allow, allowlist: try entries.map { try NetworkAllowlistEntry(parsing: $0) },
            allowedSchemes: schemes)
    }

    @Test func denyPolicyDeniesEveryHost() {
        let rule = EgressRule(policy: .deny, allowlist: [], allowedSchemes: ["http", "https"])
        #expect(codes(rule, "https://example.com") == [.networkDenied])
        #expect(codes(rule, "localhost:8080") == [.networkDenied])
    }

    @Test func allowPolicyLetsListedHostsThrough() throws {
        let rule = try allowing(["api.example.com", "*.cdn.example", "10.0.0.0/8"])
        #expect(codes(rule, "https://api.example.com/v1").isEmpty)
        #expect(codes(rule, "https://img.cdn.example/a.png").isEmpty)
        #expect(codes(rule, "http://10.1.1.1:8080/").isEmpty)
        #expect(codes(rule, "https://evil.example/") == [.networkEndpointDenied])
        #expect(codes(rule, "https://cdn.example/") == [.networkEndpointDenied])
    }

    @Test func emptyAllowlistUnderAllowDeniesEveryHost() throws {
        #expect(codes(try allowing([]), "https://example.com") == [.networkEndpointDenied])
    }

    @Test func schemeOutsideTheAllowedListIsAProtocolDenial() throws {
        let rule = try allowing(["files.example"])
        #expect(codes(rule, "ftp://files.example/x") == [.networkProtocolDenied])
        #expect(codes(rule, "gopher://evil.example/") == [.networkProtocolDenied, .networkEndpointDenied])
        #expect(codes(rule, "file:///etc/passwd") == [.networkProtocolDenied])
    }

    @Test func schemeIsCheckedUnderTheDenyPolicyToo() {
        let rule = EgressRule(policy: .deny, allowlist: [], allowedSchemes: ["https"])
        #expect(codes(rule, "file:///etc/passwd") == [.networkProtocolDenied])
        #expect(codes(rule, "ftp://x.example") == [.networkProtocolDenied, .networkDenied])
    }

    @Test func unparseableHostIsNeverAllowed() throws {
        #expect(codes(try allowing(["*.example.com"]), "http://a.example.com:99999/") == [.networkEndpointDenied])
    }

    @Test func evidenceNamesTheTarget() throws {
        let findings = try allowing([]).check(target: NetworkTarget(parsing: "http://[2001:db8::1]:8080/x"))
        #expect(findings.first?.evidence["host"] == "2001:db8::1")
        #expect(findings.first?.evidence["port"] == 8080)
        #expect(findings.first?.evidence["scheme"] == "http")
    }
}
