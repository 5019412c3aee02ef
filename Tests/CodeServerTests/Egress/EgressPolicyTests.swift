@testable import CodeServer
import Sandbox
import Testing

/// The one egress decision, without sockets: order of the lists, protocols, and what a name may
/// resolve to. Names resolve only through `network_host_overrides` or /etc/hosts here.
struct EgressPolicyTests {
    private func policy(
        allow: [String], deny: [String] = [], protocols: Set<String> = ["http", "https"],
        overrides: [String: String] = [:]
    ) throws -> EgressPolicy {
        EgressPolicy(
            allowlist: try allow.map { try NetworkAllowlistEntry(parsing: $0) },
            denylist: try deny.map { try NetworkAllowlistEntry(parsing: $0) }, allowedProtocols: protocols,
            hostOverrides: overrides.compactMapValues { IPAddress($0) })
    }

    private func host(_ text: String) -> NetworkTarget.Host {
        IPAddress(text).map { .address($0) } ?? .name(text)
    }

    private func code(_ decision: EgressDecision) -> String? {
        if case .deny(let code, _) = decision { return code.rawValue }
        return nil
    }

    @Test func theProtocolIsCheckedFirst() throws {
        let p = try policy(allow: ["203.0.113.5"])
        #expect(code(p.decide(host: host("203.0.113.5"), port: 22, protocol: .tcp)) == "network_protocol_denied")
        #expect(p.decide(host: host("203.0.113.5"), port: 443, protocol: .https).isAllowed)
    }

    @Test func theDenylistWinsOverTheAllowlist() throws {
        let p = try policy(allow: ["*.example.com", "pkg.example.com"], deny: ["evil.example.com"],
            overrides: ["pkg.example.com": "203.0.113.7", "evil.example.com": "203.0.113.8"])
        #expect(p.decide(host: host("pkg.example.com"), port: 443, protocol: .https) == .allow(addresses: [IPAddress("203.0.113.7")!]))
        #expect(code(p.decide(host: host("evil.example.com"), port: 443, protocol: .https)) == "network_endpoint_denied")
    }

    @Test func aDeniedAddressIsRefusedEvenThroughAnAllowedName() throws {
        let p = try policy(allow: ["mirror.example.com"], deny: ["203.0.113.0/24"], overrides: ["mirror.example.com": "203.0.113.9"])
        #expect(code(p.decide(host: host("mirror.example.com"), port: 80, protocol: .http)) == "network_endpoint_denied")
    }

    @Test func portsAndCIDRBlocksMatchAsWritten() throws {
        let p = try policy(allow: ["203.0.113.5:8443", "198.51.100.0/24"], protocols: ["tcp"])
        #expect(p.decide(host: host("203.0.113.5"), port: 8443, protocol: .tcp).isAllowed)
        #expect(!p.decide(host: host("203.0.113.5"), port: 8444, protocol: .tcp).isAllowed)
        #expect(p.decide(host: host("198.51.100.77"), port: 1, protocol: .tcp).isAllowed)
        #expect(!p.decide(host: host("198.51.101.1"), port: 1, protocol: .tcp).isAllowed)
    }

    @Test func aNameIntoASpecialBlockNeedsAnEntryNamingIt() throws {
        for (target, block) in [
            ("127.0.0.1", "127.0.0.0/8"), ("169.254.169.254", "169.254.0.0/16"), ("10.1.2.3", "10.0.0.0/8"),
            ("fd00::1", "fc00::/7"), ("::1", "::1/128"),
        ] {
            let refused = try policy(allow: ["internal.example.com"], overrides: ["internal.example.com": target])
            let decision = refused.decide(host: host("internal.example.com"), port: 80, protocol: .http)
            guard case .deny(.networkEndpointDenied, let detail) = decision else {
                Issue.record("\(target): \(decision)")
                continue
            }
            #expect(detail.contains(block), "\(detail)")
            let entry = target.contains(":") ? "[\(target)]:80" : "\(target):80"
            let allowed = try policy(allow: ["internal.example.com", entry], overrides: ["internal.example.com": target])
            #expect(allowed.decide(host: host("internal.example.com"), port: 80, protocol: .http).isAllowed, "\(target)")
        }
    }

    @Test func aCatchAllRangeDoesNotOpenLoopbackOrMetadata() throws {
        let p = try policy(allow: ["0.0.0.0/0"])
        #expect(p.decide(host: host("203.0.113.1"), port: 80, protocol: .http).isAllowed)
        #expect(!p.decide(host: host("127.0.0.1"), port: 80, protocol: .http).isAllowed)
        #expect(!p.decide(host: host("169.254.169.254"), port: 80, protocol: .http).isAllowed)
        let narrow = try policy(allow: ["169.254.169.254/32"])
        #expect(narrow.decide(host: host("169.254.169.254"), port: 80, protocol: .http).isAllowed)
    }

    @Test func aNameNoEntryCoversIsNeverResolved() throws {
        // Resolution would fail here anyway; the detail says which rule refused.
        let p = try policy(allow: ["*.example.com"])
        guard case .deny(_, let detail) = p.decide(host: host("example.com"), port: 443, protocol: .https) else {
            Issue.record("example.com is not a strict subdomain of example.com")
            return
        }
        #expect(detail.contains("no network_allowlist entry"))
    }

    @Test func aLookupIsAnsweredWhenSomePortOfTheNameCouldBeReached() throws {
        let overrides = ["svc.example": "203.0.113.7", "bad.example": "203.0.113.8", "pinned.example": "203.0.113.9"]
        let p = try policy(
            allow: ["svc.example:8080", "bad.example", "pinned.example"],
            deny: ["svc.example:22", "bad.example", "203.0.113.9"], protocols: ["tcp"], overrides: overrides)
        // A port-specific allow entry lets the name resolve; a port-specific deny entry does not stop it.
        #expect(p.lookup("svc.example") == .answer([IPAddress("203.0.113.7")!]))
        guard case .deny(let code, let detail) = p.lookup("bad.example") else {
            Issue.record("a denied name must not resolve")
            return
        }
        #expect(code == .networkEndpointDenied && detail.contains("network_denylist"))
        // A denied address behind an allowed name, and a name no entry covers.
        #expect(p.lookup("pinned.example") != .answer([IPAddress("203.0.113.9")!]))
        if case .deny(_, let other) = p.lookup("other.example") {
            #expect(other.contains("no network_allowlist entry"))
        } else {
            Issue.record("other.example has no entry")
        }
    }

    @Test func aConnectToAnAnsweredAddressIsDecidedAsTheName() throws {
        let p = try policy(allow: ["svc.example:8080"], deny: ["svc.example:22"], protocols: ["tcp"])
        let answered = IPAddress("203.0.113.50")!
        // The address the lookup gave, not a new resolution; the name's entry and port decide.
        #expect(p.decide(host: host("svc.example"), port: 8080, protocol: .tcp, resolved: [answered]) == .allow(addresses: [answered]))
        #expect(code(p.decide(host: host("svc.example"), port: 22, protocol: .tcp, resolved: [answered])) == "network_endpoint_denied")
        #expect(code(p.decide(host: host("svc.example"), port: 9090, protocol: .tcp, resolved: [answered])) == "network_endpoint_denied")
        // A loopback answer still needs an entry naming it.
        let loopback = IPAddress("127.0.0.1")!
        #expect(code(p.decide(host: host("svc.example"), port: 8080, protocol: .tcp, resolved: [loopback])) == "network_endpoint_denied")
    }
}
