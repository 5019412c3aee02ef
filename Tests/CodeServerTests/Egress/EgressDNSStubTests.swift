@testable import CodeServer
import Sandbox
import Testing

/// The stub resolver and its DNS reader, without a sandbox: what an allowed, a refused and a
/// special name are answered with, what is recorded, and that hostile messages (compression
/// loops, forward pointers, oversized labels and names, lying counts, truncation, random bytes)
/// are answered or dropped — never a crash, a hang or an allocation beyond the message.
struct EgressDNSStubTests {
    private func proxy(allow: [String], overrides: [String: String] = [:]) throws -> (EgressProxy, RuntimeEventRecorder) {
        let recorder = RuntimeEventRecorder()
        let policy = EgressPolicy(
            allowlist: try allow.map { try NetworkAllowlistEntry(parsing: $0) }, allowedProtocols: ["http", "https"],
            hostOverrides: overrides.compactMapValues { IPAddress($0) })
        let proxy = try EgressProxy(
            projectId: "p-dns", policy: policy,
            limits: EgressLimits(connectionsPerCall: 8, bytesPerCall: 1 << 20, concurrentConnections: 8), sink: recorder)
        return (proxy, recorder)
    }

    private func ledger() -> EgressCallLedger {
        EgressCallLedger(call: ToolCall(tool: "shell.run", correlationId: "corr-dns"), projectId: "p-dns")
    }

    /// A query as glibc sends it: id, RD, one question.
    static func query(_ name: String, type: UInt16 = DNSMessage.typeA, id: UInt16 = 0x1234) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes.append(contentsOf: label.utf8)
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        return bytes
    }

    private func rcode(_ reply: [UInt8]) -> UInt8 { reply[3] & 0x0F }
    private func answers(_ reply: [UInt8]) -> Int { Int(reply[6]) << 8 | Int(reply[7]) }

    @Test func anAllowedNameIsAnsweredWithTheAddressTheProxyWouldDial() throws {
        let (proxy, recorder) = try proxy(allow: ["svc.example:8080"], overrides: ["svc.example": "203.0.113.7"])
        defer { proxy.stop() }
        let ledger = ledger()
        let reply = proxy.answerDNS(Self.query("Svc.Example"), ledger)
        #expect(reply[0] == 0x12 && reply[1] == 0x34 && reply[2] & 0x80 != 0)
        #expect(rcode(reply) == 0 && answers(reply) == 1)
        // The question echoed as asked (case kept), then the address.
        #expect(Array(reply[13..<16]) == Array("Svc".utf8))
        #expect(Array(reply.suffix(4)) == [203, 0, 113, 7])
        let aaaa = proxy.answerDNS(Self.query("svc.example", type: DNSMessage.typeAAAA), ledger)
        #expect(rcode(aaaa) == 0 && answers(aaaa) == 0, "no IPv6 address: NODATA")
        #expect(ledger.names(answering: IPAddress("203.0.113.7")!) == ["svc.example"])
        #expect(ledger.report.connections.isEmpty && recorder.events.isEmpty)
    }

    @Test func aRefusedNameIsNXDOMAINAndRecordedOncePerCallWithTheCallsIds() throws {
        let (proxy, recorder) = try proxy(allow: ["svc.example"])
        defer { proxy.stop() }
        let ledger = ledger()
        for type in [DNSMessage.typeA, DNSMessage.typeAAAA, DNSMessage.typeA] {
            let reply = proxy.answerDNS(Self.query("blocked.example", type: type), ledger)
            #expect(rcode(reply) == DNSMessage.Rcode.nameError.rawValue && answers(reply) == 0)
        }
        let records = ledger.report.connections
        #expect(records.count == 1)
        #expect(records.first?.host == "blocked.example" && records.first?.protocol == .dns)
        #expect(records.first?.denial?.code == "network_endpoint_denied")
        let events = recorder.events.filter { $0.name == EventKind.networkDenied }
        #expect(events.count == 1)
        #expect(events.first?.correlationId == "corr-dns" && events.first?.payload.json["source"] == "dns")
        #expect(events.first?.payload.json["host"] == "blocked.example" && events.first?.payload.json["protocol"] == "dns")
    }

    @Test func aNameIntoLoopbackNeedsAnEntryNamingTheAddress() throws {
        let (refusing, _) = try proxy(allow: ["mirror.example"], overrides: ["mirror.example": "127.0.0.1"])
        defer { refusing.stop() }
        let ledger = ledger()
        #expect(rcode(refusing.answerDNS(Self.query("mirror.example"), ledger)) == DNSMessage.Rcode.nameError.rawValue)
        #expect(ledger.report.connections.first?.denial?.detail.contains("127.0.0.0/8") == true)

        let (allowing, _) = try proxy(allow: ["mirror.example", "127.0.0.1:8080"], overrides: ["mirror.example": "127.0.0.1"])
        defer { allowing.stop() }
        let reply = allowing.answerDNS(Self.query("mirror.example"), self.ledger())
        #expect(rcode(reply) == 0 && Array(reply.suffix(4)) == [127, 0, 0, 1])
    }

    @Test func hostileMessagesAreRefusedWithAReason() throws {
        func reason(_ bytes: [UInt8]) -> String? {
            do {
                _ = try DNSMessage.parseQuery(bytes)
                return nil
            } catch { return error.reason }
        }
        let header: [UInt8] = [0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        #expect(reason([]) != nil && reason([1, 2, 3]) != nil)
        // A pointer to itself, and one pointing forward: loops refused.
        #expect(reason(header + [0xC0, 12, 0, 1, 0, 1])?.contains("loop") == true)
        #expect(reason(header + [0xC0, 14, 0, 0, 1, 0, 1])?.contains("loop") == true)
        // Two pointers pointing at each other through a label.
        #expect(reason(header + [1, 0x61, 0xC0, 12, 0, 1, 0, 1])?.contains("loop") == true)
        // A label of 64 (the 0x40 extended type) and one running past the end.
        #expect(reason(header + [64] + [UInt8](repeating: 0x61, count: 64) + [0, 0, 1, 0, 1]) != nil)
        #expect(reason(header + [40, 0x61, 0x61]) != nil)
        // A name over 255 bytes made of legal labels.
        let long: [UInt8] = (0..<5).flatMap { _ in [UInt8(63)] + [UInt8](repeating: 0x61, count: 63) }
        #expect(reason(header + long + [0, 0, 1, 0, 1])?.contains("255") == true)
        // Lying counts, a response, another opcode, a question cut short.
        #expect(reason([0, 1, 0x01, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0]) != nil)
        #expect(reason([0, 1, 0x01, 0, 0, 1, 0xFF, 0xFF, 0, 0, 0, 0] + [0, 0, 1, 0, 1]) != nil)
        #expect(reason([0, 1, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0] + [0, 0, 1, 0, 1]) != nil)
        let opcode = try? DNSMessage.parseQuery([0, 1, 0x28, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1])
        #expect(opcode == nil)
        #expect(reason(header + [3, 0x61, 0x62, 0x63, 0, 0, 1]) != nil)
        // A legal backward pointer (to a name read before) is followed, and the offset ends
        // right behind the pointer.
        let message: [UInt8] = [1, 0x61, 0, 1, 0x62, 0xC0, 0, 0xEE]
        var offset = 3
        let labels = try DNSMessage.readName(message, &offset, id: nil)
        #expect(labels == [[0x62], [0x61]] && offset == 7)
    }

    @Test func theStubAnswersOrDropsWhateverItIsSent() throws {
        let (proxy, _) = try proxy(allow: ["svc.example"], overrides: ["svc.example": "203.0.113.7"])
        defer { proxy.stop() }
        let ledger = ledger()
        // Garbage without a header is dropped; with one, FORMERR keeps the id.
        #expect(proxy.answerDNS([0xFF], ledger).isEmpty)
        let formerr = proxy.answerDNS([0xAB, 0xCD, 0x01, 0, 0, 9, 0, 0, 0, 0, 0, 0], ledger)
        #expect(formerr.count == 12 && formerr[0] == 0xAB && rcode(formerr) == DNSMessage.Rcode.formatError.rawValue)
        // Another class is refused; a name with bytes no entry could name is NXDOMAIN and recorded.
        var chaos = Self.query("svc.example")
        chaos[chaos.count - 1] = 3
        #expect(rcode(proxy.answerDNS(chaos, ledger)) == DNSMessage.Rcode.refused.rawValue)
        let odd = proxy.answerDNS(Self.query("sv\u{7f}c.example"), ledger)
        #expect(rcode(odd) == DNSMessage.Rcode.nameError.rawValue)
        // Random and mutated messages: every one answered or dropped, every reply within 512 bytes.
        var generator = SystemRandomNumberGenerator()
        let valid = Self.query("svc.example")
        for round in 0..<8_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if bytes.count > 5 { bytes[2] = 0x01; bytes[3] = 0; bytes[4] = 0; bytes[5] = 1 }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            let reply = proxy.answerDNS(bytes, ledger)
            #expect(reply.count <= DNSMessage.maxUDPReply)
            if !reply.isEmpty { #expect(reply[0] == bytes[0] && reply[1] == bytes[1] && reply[2] & 0x80 != 0) }
        }
        // What a call's lookups remember stays bounded, however many names it asks.
        #expect(ledger.report.connections.count <= EgressCallLedger.maxNames)
    }
}
