#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// The stub resolver behind the sandbox's name server (`EgressDNSRelay` carries the queries
/// here, on the call's token): a name the policy would let the call reach is answered with the
/// addresses the proxy itself would dial (`network_host_overrides` first, special addresses only
/// with an entry naming them — `EgressPolicy.lookup`, the same rules as every connection); any
/// other name gets NXDOMAIN and is recorded, once per call, as a refusal with the call's ids
/// (`security.network_denied`, protocol `dns`, `source: dns`).
///
/// The answers are remembered for the call, so that the tool's connect to one of those
/// addresses is decided as the name it looked up (`EgressProxy.serve`): an entry `svc.example`
/// covers the address `svc.example` was answered with, and no other.
extension EgressProxy {
    /// Queries over one session until the relay closes it or goes quiet.
    func serveDNS(_ client: OwnedFD, _ ledger: EgressCallLedger) {
        while let query = EgressSocket.readFrame(client.raw, timeoutMs: Self.headTimeoutMs) {
            let reply = answerDNS(query, ledger)
            guard EgressSocket.sendAll(client.raw, EgressWire.frame(reply)[...]) else { return }
        }
    }

    /// The reply to one query; empty (dropped) when not even its header could be read.
    func answerDNS(_ bytes: [UInt8], _ ledger: EgressCallLedger) -> [UInt8] {
        let query: DNSMessage.Query
        do {
            query = try DNSMessage.parseQuery(bytes)
        } catch {
            return error.id.map { DNSMessage.reply(id: $0, rcode: error.rcode) } ?? []
        }
        guard query.class == DNSMessage.classIN else { return DNSMessage.reply(to: query, rcode: .refused) }
        guard let name = query.name, !name.isEmpty else {
            refuseLookup(String(decoding: Array(query.labels.joined(separator: [0x2e])), as: UTF8.self), ledger,
                "not a host name an allowlist entry could name")
            return DNSMessage.reply(to: query, rcode: .nameError)
        }
        switch ledger.lookup(name, policy: policy) {
        case .answer(let addresses):
            // A and AAAA alike: a type the name has no address of is an empty NOERROR (NODATA),
            // so the client goes on with what the other type gave.
            return DNSMessage.reply(to: query, rcode: .noError, addresses: addresses)
        case .nonexistent:
            return DNSMessage.reply(to: query, rcode: .nameError)
        case .deny(let code, let detail):
            refuseLookup(name, ledger, detail, code: code)
            return DNSMessage.reply(to: query, rcode: .nameError)
        }
    }

    private func refuseLookup(_ name: String, _ ledger: EgressCallLedger, _ detail: String, code: ReasonCode = .networkEndpointDenied) {
        var record = EgressConnectionRecord(
            host: name, port: Int(DNSMessage.port), address: nil, protocol: .dns, path: .transparent,
            startedAtMs: Timestamp.nowMs())
        record.denial = (code.rawValue, detail)
        // A and AAAA, and the client's retries, ask the same name: one record of it per call.
        guard ledger.recordRefusedName(record) else { return }
        var finding = SecurityFinding(record: record.json.objectValue ?? [:])
        finding.source = .dns
        emit(.networkDenied(finding), ledger, atMs: record.startedAtMs)
    }
}
