#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// One connection through the proxy: preamble (the call's token), request head, decision,
/// dial, then bytes both ways until either side is done.
extension EgressProxy {
    func serve(_ client: OwnedFD) {
        guard let token = EgressSocket.readPreamble(client.raw, timeoutMs: Self.headTimeoutMs),
            let ledger = ledger(for: token)
        else { return }
        guard let bytes = EgressSocket.readHead(client.raw, timeoutMs: Self.headTimeoutMs),
            let head = HTTPHead(bytes[...]), head.start.count == 3
        else { return answer(client, 400, "the proxy expects an HTTP/1.1 request head") }
        let method = head.start[0]
        if method == EgressWire.dnsMethod { return serveDNS(client, ledger) }
        let transparent = head.header(EgressWire.transparentHeader) == "1"
        let target: NetworkTarget
        let proto: EgressProtocol
        let path: EgressConnectionRecord.Path = transparent ? .transparent : .proxy
        if method == "CONNECT" {
            target = NetworkTarget(parsing: head.start[1])
            guard target.port != nil else { return answer(client, 400, "CONNECT needs host:port") }
            proto = EgressProtocol.tunnel(port: target.port!)
        } else {
            target = NetworkTarget(parsing: head.start[1])
            guard target.scheme == "http" else {
                return answer(client, 400, "a proxy request needs an absolute http:// URL (use CONNECT for https)")
            }
            proto = .http
        }
        guard let host = target.host, let port = target.effectivePort else {
            return answer(client, 400, "no host in '\(head.start[1])'")
        }
        var hostText: String
        switch host {
        case .name(let name): hostText = name
        case .address(let address): hostText = address.description
        case .unparseable(let text): hostText = text
        }
        var decision = policy.decide(host: host, port: port, protocol: proto)
        if transparent, case .address(let address) = host {
            // An address the call's own lookup answered is decided as the name looked up, with
            // that address (`EgressDNSStub`); the bare address is the fallback.
            var byName: (String, EgressDecision)?
            for name in ledger.names(answering: address) {
                let answer = policy.decide(host: .name(name), port: port, protocol: proto, resolved: [address])
                if answer.isAllowed || byName == nil { byName = (name, answer) }
                if answer.isAllowed { break }
            }
            if let (name, answer) = byName, answer.isAllowed || !decision.isAllowed {
                hostText = name
                decision = answer
            }
        }
        var record = EgressConnectionRecord(
            host: hostText, port: port, address: nil, protocol: proto, path: path, startedAtMs: Timestamp.nowMs())

        func refuse(_ code: String, _ detail: String) {
            record.denial = (code, detail)
            ledger.record(record)
            // A transparent refusal is reported by the monitor, as a kernel violation of the call.
            if !transparent {
                var finding = SecurityFinding(record: record.json.objectValue ?? [:])
                finding.reason = code
                finding.source = .proxy
                emit(.networkDenied(finding), ledger, atMs: record.startedAtMs)
            }
            answer(client, 403, "\(code): \(detail)", reason: code, protocol: proto)
        }

        guard case .allow(let addresses) = decision else {
            if case .deny(let code, let detail) = decision { refuse(code.rawValue, detail) }
            return
        }
        if let limit = ledger.open(limits: limits) {
            // A transparent connect's limit hit is reported by the monitor, as a kernel limit.
            if !transparent { emitLimit(limit, ledger) }
            record.denial = ("network_limit_exceeded", "\(limit): the call's limit is reached")
            ledger.record(record)
            return answer(
                client, 403, "network_limit_exceeded: \(limit)", reason: "network_limit_exceeded", protocol: proto,
                limit: limit)
        }
        var closed = false
        defer { if !closed { ledger.close(record) } }
        guard takeSlot() else {
            if !transparent { emitLimit(EgressLimits.concurrentName, ledger) }
            record.denial = ("network_limit_exceeded", "\(EgressLimits.concurrentName): the project's limit is reached")
            return answer(
                client, 403, "network_limit_exceeded: \(EgressLimits.concurrentName)", reason: "network_limit_exceeded",
                protocol: proto, limit: EgressLimits.concurrentName)
        }
        defer { releaseSlot() }

        var upstream: OwnedFD?
        var lastError = SocketError(errno: EHOSTUNREACH)
        for address in addresses {
            // Never a way back into the proxy itself, whatever the allowlist names.
            if address == IPAddress("127.0.0.1"), port == Int(self.port) { continue }
            switch EgressSocket.connect(address.description, port: port, timeoutMs: Self.dialTimeoutMs) {
            case .success(let fd):
                upstream = fd
                record.address = address.description
            case .failure(let error):
                lastError = error
            }
            if upstream != nil { break }
        }
        guard let upstream else {
            record.denial = ("network_unreachable", "\(hostText):\(port): \(lastError)")
            return answer(client, 502, "cannot reach \(hostText):\(port): \(lastError)")
        }
        if method == "CONNECT" {
            guard EgressSocket.sendAll(client.raw, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)[...]) else {
                return
            }
        } else {
            guard EgressSocket.sendAll(upstream.raw, Self.originRequest(head, target)[...]) else {
                return answer(client, 502, "the destination closed the connection")
            }
        }
        splice(client.raw, upstream.raw, ledger, &record)
        record.durationMs = Timestamp.nowMs() - record.startedAtMs
        ledger.close(record)
        closed = true
        emit(.networkConnection(NetworkConnection(record, callId: ledger.call.id, tool: ledger.call.tool)), ledger, atMs: Timestamp.nowMs())
    }

    /// The request as the origin server expects it: origin-form target, no proxy headers, and
    /// `Connection: close` so one proxied connection carries one request.
    static func originRequest(_ head: HTTPHead, _ target: NetworkTarget) -> [UInt8] {
        var pathStart = head.start[1]
        if let schemeEnd = pathStart.firstRange(of: "://") {
            let afterScheme = pathStart[schemeEnd.upperBound...]
            pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }).map { String(afterScheme[$0...]) } ?? "/"
        }
        if pathStart.hasPrefix("?") { pathStart = "/" + pathStart }
        var text = "\(head.start[0]) \(pathStart) \(head.start[2])\r\n"
        for (name, value) in head.headers
        where !name.hasPrefix("proxy-") && name != "connection" && name != "keep-alive" && !name.hasPrefix("x-jcs-") {
            text += "\(name): \(value)\r\n"
        }
        text += "connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// Copies bytes both ways until both directions reached EOF (half-closes are passed on) or
    /// the call's byte budget is spent.
    private func splice(_ client: Int32, _ upstream: Int32, _ ledger: EgressCallLedger, _ record: inout EgressConnectionRecord) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var clientOpen = true
        var upstreamOpen = true
        while clientOpen || upstreamOpen {
            var fds: [pollfd] = []
            if clientOpen { fds.append(pollfd(fd: client, events: Int16(POLLIN), revents: 0)) }
            if upstreamOpen { fds.append(pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)) }
            // Woken now and then: once the call is over and its tool's side closed, a destination
            // that keeps its side open must not hold the connection (and the call's report).
            let rc = poll(&fds, nfds_t(fds.count), 100)
            if rc < 0 {
                if errno == EINTR { continue }
                return
            }
            if rc == 0 {
                if !clientOpen && ledger.isFinished { return }
                continue
            }
            for p in fds where p.revents != 0 {
                let from = p.fd
                let to = from == client ? upstream : client
                let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    // EOF or reset: pass the half-close on.
                    shutdown(to, Int32(SHUT_WR))
                    if from == client { clientOpen = false } else { upstreamOpen = false }
                    if n < 0 { return }
                    continue
                }
                if from == client { record.bytesSent += n } else { record.bytesReceived += n }
                guard ledger.add(bytes: n, limits: limits) else {
                    emitLimit(EgressLimits.bytesName, ledger)
                    return
                }
                guard EgressSocket.sendAll(to, buffer[0..<n]) else { return }
            }
        }
    }

    private func emitLimit(_ limit: String, _ ledger: EgressCallLedger) {
        emit(.limitExceeded(SecurityFinding(source: .proxy, limit: limit)), ledger, atMs: Timestamp.nowMs())
    }

    private func answer(
        _ client: OwnedFD, _ status: Int, _ message: String, reason: String? = nil, protocol proto: EgressProtocol? = nil,
        limit: String? = nil
    ) {
        let phrase = [400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"][status] ?? "Error"
        let body = message + "\n"
        var head = "HTTP/1.1 \(status) \(phrase)\r\ncontent-type: text/plain\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n"
        if let reason { head += "\(EgressWire.reasonHeader): \(reason)\r\n" }
        if let proto { head += "\(EgressWire.protocolHeader): \(proto.rawValue)\r\n" }
        if let limit { head += "\(EgressWire.limitHeader): \(limit)\r\n" }
        _ = EgressSocket.sendAll(client.raw, Array((head + "\r\n" + body).utf8)[...])
    }
}
