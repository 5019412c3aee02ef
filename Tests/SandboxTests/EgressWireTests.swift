import Sandbox
import Testing

/// What the monitor and the egress proxy say to each other, and how a run message carries the
/// route: pure checks (the end-to-end path is `EgressSandboxTests`).
struct EgressWireTests {
    @Test func aRouteSurvivesTheWorkerProtocolAndRefusesATokenThatCouldBreakItsLine() throws {
        let route = EgressRoute(proxyPort: 40123, token: EgressWire.newToken())
        let message = WorkerMessage.run(argv: ["/bin/true"], env: [], cwd: nil, egress: route)
        #expect(try WorkerMessage(json: JSONParser.parse(JSONWriter.jsonLine(message.json))) == message)
        #expect(EgressWire.isToken(route.token) && route.token.utf8.count == 32)
        #expect(throws: SandboxError.self) {
            try EgressRoute(json: ["proxy_port": 1, "token": "0123456789abcdef\r\nHost: x"])
        }
        #expect(throws: SandboxError.self) { try EgressRoute(json: ["proxy_port": 0, "token": .string(route.token)]) }
        // Without egress the run line is what it always was.
        #expect(WorkerMessage.run(argv: ["/bin/true"], env: [], cwd: nil).json["egress"] == nil)
    }

    @Test func headsAreReadWholeAndOnlyWhole() throws {
        let text = "HTTP/1.1 403 Forbidden\r\nX-JCS-Reason: network_endpoint_denied\r\nx-jcs-protocol:  tcp \r\n\r\nbody"
        let bytes = Array(text.utf8)
        let length = try #require(HTTPHead.length(in: bytes[...]))
        #expect(String(decoding: bytes[length...], as: UTF8.self) == "body")
        let head = try #require(HTTPHead(bytes[..<length]))
        #expect(head.start == ["HTTP/1.1", "403", "Forbidden"])
        #expect(head.header("x-jcs-reason") == "network_endpoint_denied" && head.header("x-jcs-protocol") == "tcp")
        #expect(HTTPHead.length(in: Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)[...]) == nil)
        #expect(HTTPHead(Array("not http at all\r\nno colon\r\n\r\n".utf8)[...]) == nil)
    }

    @Test func theTransparentConnectNamesIPv6InBrackets() {
        let v6 = String(decoding: EgressWire.transparentConnect(host: "2001:db8::1", port: 443), as: UTF8.self)
        #expect(v6.hasPrefix("CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"))
        #expect(v6.hasSuffix("x-jcs-transparent: 1\r\n\r\n"))
    }
}
