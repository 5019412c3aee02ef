import Testing

@testable import CodeServer

struct GatewayRuleTests {
    @Test func gatewayMissingFromAllowlistIsDenied() {
        let rule = GatewayRule(allowed: [.mcp])
        #expect(rule.check(gateway: .http).map(\.code) == [.protocolDenied])
        #expect(rule.check(gateway: .mcp).isEmpty)
    }

    @Test func inProcessCallHasNoGatewayToCheck() {
        #expect(GatewayRule(allowed: []).check(gateway: nil).isEmpty)
    }
}
