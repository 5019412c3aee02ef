#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// The monitor's half of egress: turns a tool's `connect()` into a connection through the
/// coordinator's egress proxy, without the kernel ever performing the tool's own connect.
///
/// For a TCP connect to an outside address, a thread connects a host-namespace socket to the
/// proxy, asks `CONNECT address:port` (the proxy decides, with the one egress policy), and on
/// `200` installs that socket in place of the tool's descriptor (`SECCOMP_IOCTL_NOTIF_ADDFD`
/// with `SETFD`, keeping the tool's `O_NONBLOCK` and close-on-exec) and answers the notification
/// with 0: the tool sees a connected socket. A connect to the in-sandbox proxy address
/// (`EgressRoute.sandboxProxyAddress:sandboxProxyPort`) gets a plain connection to the proxy,
/// which then reads the tool's own `CONNECT`/`GET`. A refusal answers `EPERM` and is reported
/// with the proxy's reason and protocol. The run loop keeps serving other notifications meanwhile:
/// results come back through `wake`.
final class EgressInterceptor: Sendable {
    let route: EgressRoute
    /// Our own copy of the listener: the run loop may close its copy while a handshake runs.
    /// Raw descriptors (OwnedFD is not Sendable), owned by this object and closed in deinit;
    /// every handshake thread holds a reference, so none outlives them.
    private let listener: Int32
    /// Readable when `drain()` has records; the run loop polls it.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let finished = Mutex<[Violation]>([])
    /// The sandbox's name server, made on the first query (`EgressDNSRelay`); `.some(nil)` when
    /// it could not be made (not tried again).
    private let resolver = Mutex<EgressDNSRelay??>(nil)

    /// How long a handshake may wait for the proxy's answer (its dial is bounded below this).
    static let handshakeTimeoutMs: Int32 = 30_000

    init?(route: EgressRoute, listener: Int32) {
        let copy = fcntl(listener, F_DUPFD_CLOEXEC, 3)
        guard copy >= 0, let wake = try? POSIX.pipe() else {
            if copy >= 0 { close(copy) }
            return nil
        }
        self.route = route
        self.listener = copy
        wakeRead = wake.read.take()
        wakeWrite = wake.write.take()
        _ = fcntl(wakeRead, F_SETFL, O_NONBLOCK)
    }

    deinit {
        close(listener)
        close(wakeRead)
        close(wakeWrite)
    }

    var wakeFD: Int32 { wakeRead }

    /// Whether this notification is egress's to answer: a connect to an IPv4/IPv6 destination
    /// outside the sandbox, or to the in-sandbox proxy address.
    func intercepts(syscall: String, _ address: SocketAddress) -> Bool {
        guard syscall == "connect", address.family == AF_INET || address.family == AF_INET6 else { return false }
        return isSandboxProxy(address) || !address.isLocalToSandbox
    }

    private func isSandboxProxy(_ address: SocketAddress) -> Bool {
        address.family == AF_INET && address.address == EgressRoute.sandboxProxyAddress
            && address.port == EgressRoute.sandboxProxyPort
    }

    /// A `connect`/`sendto`/`sendmsg` to the sandbox's name server (`127.0.0.1:53`, `[::1]:53`):
    /// makes it, if this is the first, before the call is let through to it.
    func prepareResolver(for address: SocketAddress, sandboxPidfd: Int32) {
        guard EgressDNSRelay.isServerAddress(address) else { return }
        resolver.withLock { relay in
            if relay == nil { relay = .some(EgressDNSRelay(route: route, sandboxPidfd: sandboxPidfd)) }
        }
    }

    /// The run is over: the name server stops (its sockets go with its last query).
    func stopResolver() {
        resolver.withLock { relay in
            if case .some(let made?) = relay { made.stop() }
            relay = .some(nil)
        }
    }

    /// Datagrams to outside addresses are never tunnelled: the proxy carries TCP only.
    func datagramRefusal(syscall: String, _ address: SocketAddress) -> Violation? {
        guard syscall != "connect", address.family == AF_INET || address.family == AF_INET6,
            !address.isLocalToSandbox
        else { return nil }
        var violation = Violation(
            kind: "network_protocol_denied", syscall: syscall, family: address.familyName, address: address.address,
            port: address.port, atMs: Timestamp.nowMs())
        violation.networkProtocol = address.port == 53 ? "dns" : "udp"
        return violation
    }

    /// Whether `connect(AF_UNSPEC)` would disconnect one of our tunnels: a socket of the host's
    /// namespace in the tool's hands. Disconnected, it could be bound and listened on in the
    /// host's namespace; refused, it stays a tunnel to the proxy (listen and bind fail on it).
    func isTunnel(pid: pid_t, fd: Int32) -> Bool {
        let pidfd = OwnedFD(csb_pidfd_open(pid))
        guard pidfd.isOpen else { return false }
        let socket = OwnedFD(csb_pidfd_getfd(pidfd.raw, fd))
        guard socket.isOpen else { return false }
        let namespace = OwnedFD(csb_socket_netns(socket.raw))
        guard namespace.isOpen else { return false }
        var theirs = stat()
        var ours = stat()
        guard fstat(namespace.raw, &theirs) == 0, stat("/proc/self/ns/net", &ours) == 0 else { return true }
        return theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev
    }

    /// Starts the handshake for notification `id` on a thread; answers EAGAIN-free: if no thread
    /// can start, the connect is refused with ENOBUFS and reported.
    func begin(id: UInt64, pid: pid_t, fd: Int32, address: SocketAddress) {
        let started = DetachedThread.start { [self] in
            self.handshake(id: id, pid: pid, fd: fd, address: address)
        }
        if !started {
            _ = csb_notify_respond(listener, id, ENOBUFS, 0)
        }
    }

    /// The records of finished handshakes since the last call.
    func drain() -> [Violation] {
        var byte = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &byte, byte.count) > 0 {}
        return finished.withLock { records in
            defer { records.removeAll() }
            return records
        }
    }

    /// Records before the notification is answered: the tool sees its EPERM only after the
    /// record exists, so a tool that exits at once cannot end the run loop before its final drain
    /// finds the record.
    private func report(_ violation: Violation) {
        finished.withLock { $0.append(violation) }
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)
    }

    private func refuse(_ id: UInt64, _ err: Int32) {
        _ = csb_notify_respond(listener, id, err, 0)
    }

    private func handshake(id: UInt64, pid: pid_t, fd: Int32, address: SocketAddress) {
        let pidfd = OwnedFD(csb_pidfd_open(pid))
        // The pidfd names the notifying task only while its notification is pending.
        guard pidfd.isOpen, csb_notify_id_valid(listener, id) != 0 else { return refuse(id, ESRCH) }
        let tool = OwnedFD(csb_pidfd_getfd(pidfd.raw, fd))
        guard tool.isOpen else { return refuse(id, EBADF) }
        var type: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(tool.raw, SOL_SOCKET, SO_TYPE, &type, &size) == 0 else { return refuse(id, ENOTSOCK) }
        var proto: Int32 = 0
        size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(tool.raw, SOL_SOCKET, SO_PROTOCOL, &proto, &size)
        // SCTP and MPTCP stream sockets are not TCP: the tunnel would change what the tool speaks.
        guard type == Int32(SOCK_STREAM.rawValue), proto == Int32(IPPROTO_TCP) || proto == 0 else {
            // A connected datagram socket (DNS over UDP, QUIC): not something the proxy carries.
            var violation = Violation(
                kind: "network_protocol_denied", syscall: "connect", family: address.familyName,
                address: address.address, port: address.port, atMs: Timestamp.nowMs())
            violation.networkProtocol =
                type == Int32(SOCK_STREAM.rawValue) ? "stream protocol \(proto)" : address.port == 53 ? "dns" : "udp"
            report(violation)
            return refuse(id, EPERM)
        }
        let nonblocking = fcntl(tool.raw, F_GETFL) & O_NONBLOCK != 0
        let cloexec = Self.closeOnExec(pid: pid, fd: fd)

        guard case .success(let proxy) = EgressSocket.connect("127.0.0.1", port: Int(route.proxyPort), timeoutMs: 5000)
        else { return refuse(id, ECONNREFUSED) }
        var hello = EgressWire.preamble(token: route.token)
        if !isSandboxProxy(address), let host = address.address, let port = address.port {
            hello += EgressWire.transparentConnect(host: host, port: port)
        }
        guard EgressSocket.sendAll(proxy.raw, hello[...]) else { return refuse(id, ECONNREFUSED) }
        if !isSandboxProxy(address) {
            guard let bytes = EgressSocket.readHead(proxy.raw, timeoutMs: Self.handshakeTimeoutMs),
                let head = HTTPHead(bytes[...]), head.start.count >= 2
            else { return refuse(id, ETIMEDOUT) }
            switch head.start[1] {
            case "200":
                break
            case "403":
                let reason = head.header(EgressWire.reasonHeader) ?? "network_endpoint_denied"
                if reason == "network_limit_exceeded" {
                    // A network limit of the call or project: reported like the other limits.
                    var violation = Violation(
                        kind: "limit_exceeded", syscall: "connect", family: address.familyName, address: address.address,
                        port: address.port, limit: head.header(EgressWire.limitHeader), atMs: Timestamp.nowMs())
                    violation.networkReason = reason
                    report(violation)
                    return refuse(id, EPERM)
                }
                var violation = Violation(
                    kind: reason == "network_protocol_denied" ? "network_protocol_denied" : "network_denied",
                    syscall: "connect", family: address.familyName, address: address.address, port: address.port,
                    atMs: Timestamp.nowMs())
                violation.networkProtocol = head.header(EgressWire.protocolHeader)
                violation.networkReason = reason
                report(violation)
                return refuse(id, EPERM)
            default:
                // Allowed, but the destination could not be reached: what a direct connect says.
                return refuse(id, ECONNREFUSED)
            }
        }
        if nonblocking { _ = fcntl(proxy.raw, F_SETFL, fcntl(proxy.raw, F_GETFL) | O_NONBLOCK) }
        guard csb_notify_addfd(listener, id, proxy.raw, fd, cloexec ? 1 : 0) == 0 else {
            return refuse(id, errno == ENOENT ? EINTR : ECONNREFUSED)
        }
        // The tool's descriptor is now the tunnel: connect() returns 0 without running.
        _ = csb_notify_respond(listener, id, 0, 0)
    }

    /// Close-on-exec is a property of the descriptor slot, not of the socket: read it from
    /// fdinfo (`flags:` in octal, O_CLOEXEC = 02000000).
    private static func closeOnExec(pid: pid_t, fd: Int32) -> Bool {
        guard let text = POSIX.readFile("/proc/\(pid)/fdinfo/\(fd)", limit: 4096) else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("flags:") {
            let digits = line.dropFirst("flags:".count).filter { $0 != " " && $0 != "\t" }
            if let flags = Int(digits, radix: 8) { return flags & Int(O_CLOEXEC) != 0 }
        }
        return false
    }
}
