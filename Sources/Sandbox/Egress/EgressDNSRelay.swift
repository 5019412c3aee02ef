#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// The sandbox's name server, monitor side: sockets on `127.0.0.1:53` and `[::1]:53` *inside*
/// the sandbox's network namespace, whose queries are carried to the egress proxy's stub
/// resolver (`EgressDNSStub`, which applies the policy) and whose replies go back from those
/// same sockets.
///
/// Why sockets in the sandbox rather than swapping the tool's socket for a host one
/// (`SECCOMP_IOCTL_NOTIF_ADDFD`, as TCP does): a resolver accepts a reply only from the address
/// it asked (glibc's `res_ourserver_p`, musl, Go), and a host-side socket would answer from the
/// host's address. Here the reply comes from exactly the address asked, whether the client
/// connected its socket (glibc, Go), sent unconnected (`sendto`, musl), batched A and AAAA
/// (`sendmmsg`) or fell back to TCP — and nothing runs inside the sandbox.
///
/// `127.0.0.1:53` because the sandbox has no `/etc/resolv.conf` (the built-in profiles bind
/// none) and that is where every stub resolver looks without one (glibc, musl, Go, c-ares);
/// the sandbox's own loopback, so no host address or port is involved, and the tool cannot
/// take the port first (binding below 1024 needs a capability it does not have).
///
/// Made on the first `connect`/`sendto`/`sendmsg` to the address (`EgressInterceptor`), before
/// that call is let through: a call that never looks a name up pays nothing.
final class EgressDNSRelay: Sendable {
    static let port: UInt16 = 53
    /// Queries and TCP sessions carried at once; more are dropped (the client retries).
    static let maxInFlight = 32
    /// How long one query may take end to end (the stub's own resolution is bounded below it).
    static let queryTimeoutMs: Int32 = 10_000

    private let route: EgressRoute
    /// Raw descriptors, owned here and closed in deinit: the serving thread and every worker
    /// hold a reference, so none is closed while one of them may still use it.
    private let datagram: [Int32]
    private let stream: [Int32]
    private let stopRead: Int32
    private let stopWrite: Int32
    private let inFlight = Atomic<Int>(0)

    /// Whether `address` is where the sandbox's resolvers send their queries.
    static func isServerAddress(_ address: SocketAddress) -> Bool {
        guard address.port == Int(port) else { return false }
        // A dual-stack socket reaches the IPv4 one through the mapped form.
        return (address.family == AF_INET && address.address == "127.0.0.1")
            || (address.family == AF_INET6 && (address.address == "::1" || address.address == "::ffff:127.0.0.1"))
    }

    /// Nil when the sandbox's namespace cannot be joined (an unprivileged monitor), is the
    /// monitor's own (a profile on the host's network: its loopback is the host's), or no socket
    /// could be bound there: names then fail to resolve, as with egress denied.
    init?(route: EgressRoute, sandboxPidfd: Int32) {
        var specs = [
            csb_netns_socket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), port: Self.port, fd: -1, err: 0),
            csb_netns_socket(family: AF_INET, type: Int32(SOCK_STREAM.rawValue), port: Self.port, fd: -1, err: 0),
            csb_netns_socket(family: AF_INET6, type: Int32(SOCK_DGRAM.rawValue), port: Self.port, fd: -1, err: 0),
            csb_netns_socket(family: AF_INET6, type: Int32(SOCK_STREAM.rawValue), port: Self.port, fd: -1, err: 0),
        ]
        guard csb_netns_loopback_sockets(sandboxPidfd, &specs, Int32(specs.count)) == 0 else { return nil }
        let made = specs.filter { $0.fd >= 0 }
        guard !made.isEmpty, let stop = try? POSIX.pipe() else {
            for spec in made { close(spec.fd) }
            return nil
        }
        self.route = route
        datagram = made.filter { $0.type == Int32(SOCK_DGRAM.rawValue) }.map(\.fd)
        stream = made.filter { $0.type == Int32(SOCK_STREAM.rawValue) }.map(\.fd)
        stopRead = stop.read.take()
        stopWrite = stop.write.take()
        guard DetachedThread.start({ [self] in self.serve() }) else { return nil }
    }

    deinit {
        for fd in datagram + stream { close(fd) }
        close(stopRead)
        close(stopWrite)
    }

    /// The run is over: stop serving. The sockets close once the last worker is done (each is
    /// bounded by `queryTimeoutMs`), which lets the sandbox's namespace go.
    func stop() {
        var one: UInt8 = 1
        _ = write(stopWrite, &one, 1)
    }

    private func serve() {
        var fds = (datagram + stream).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            for i in fds.indices { fds[i].revents = 0 }
            let rc = poll(&fds, nfds_t(fds.count), -1)
            if rc < 0 {
                if errno == EINTR { continue }
                return
            }
            for p in fds where p.revents != 0 {
                if p.fd == stopRead { return }
                if datagram.contains(p.fd) {
                    receiveDatagrams(p.fd, &buffer)
                } else {
                    acceptSession(p.fd)
                }
            }
        }
    }

    /// Every datagram waiting on `fd`, each answered by a worker to the address it came from.
    private func receiveDatagrams(_ fd: Int32, _ buffer: inout [UInt8]) {
        while true {
            var from = sockaddr_storage()
            var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &fromLength)
                    }
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return }  // EAGAIN: drained
            let query = Array(buffer[0..<n])
            let peer = withUnsafeBytes(of: from) { Array($0.prefix(Int(fromLength))) }
            dispatch { [self] in
                guard let reply = self.exchange(query), !reply.isEmpty else { return }
                var to = sockaddr_storage()
                withUnsafeMutableBytes(of: &to) { $0.copyBytes(from: peer) }
                _ = reply.withUnsafeBytes { raw in
                    withUnsafePointer(to: &to) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, socklen_t(peer.count))
                        }
                    }
                }
            }
        }
    }

    /// DNS over TCP (a client's fallback for a truncated answer, or its choice): one worker per
    /// connection, frames in and out until the client closes or goes quiet.
    private func acceptSession(_ listener: Int32) {
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        // The monitor spawns nothing while a run is on, but keep the host's rule for descriptors.
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) & ~O_NONBLOCK)
        let started = dispatch { [self] in
            defer { close(client) }
            while let query = EgressSocket.readFrame(client, timeoutMs: Self.queryTimeoutMs) {
                guard let reply = self.exchange(query), !reply.isEmpty,
                    EgressSocket.sendAll(client, EgressWire.frame(reply)[...])
                else { return }
            }
        }
        if !started { close(client) }
    }

    /// Runs `work` on a thread of its own unless `maxInFlight` are running; false when dropped.
    @discardableResult
    private func dispatch(_ work: @escaping @Sendable () -> Void) -> Bool {
        guard inFlight.add(1, ordering: .relaxed).newValue <= Self.maxInFlight else {
            inFlight.subtract(1, ordering: .relaxed)
            return false
        }
        let started = DetachedThread.start { [self] in
            work()
            self.inFlight.subtract(1, ordering: .relaxed)
        }
        if !started { inFlight.subtract(1, ordering: .relaxed) }
        return started
    }

    /// One query to the proxy's stub and its reply (empty: the stub dropped it); nil when the
    /// proxy could not be reached in time.
    private func exchange(_ query: [UInt8]) -> [UInt8]? {
        guard case .success(let proxy) = EgressSocket.connect("127.0.0.1", port: Int(route.proxyPort), timeoutMs: 5000)
        else { return nil }
        let request = EgressWire.preamble(token: route.token) + EgressWire.dnsSession + EgressWire.frame(query)
        guard EgressSocket.sendAll(proxy.raw, request[...]) else { return nil }
        return EgressSocket.readFrame(proxy.raw, timeoutMs: Self.queryTimeoutMs)
    }
}
