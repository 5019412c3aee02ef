#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// The sandbox's network namespace is empty but for its own loopback: the kernel has no route
/// anywhere else, and the monitor denies and reports every attempt with its destination.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct NetworkEscapeTests {
    private func expectNetworkDenied(
        _ cmd: String, _ address: String, _ port: Int, family: String, syscall: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let h = try SandboxHarness()
        let r = try h.probe(cmd, address, String(port))
        #expect(r.out == "\(cmd) errno=\(EPERM)\n" || r.out == "connect errno=\(EPERM)\n", "kernel answer: \(r.out)",
                sourceLocation: sourceLocation)
        let denied = r.violations(kind: "network_denied")
        #expect(denied.count == 1, "\(r.violations)", sourceLocation: sourceLocation)
        #expect(denied.first?.syscall == syscall, sourceLocation: sourceLocation)
        #expect(denied.first?.family == family, sourceLocation: sourceLocation)
        #expect(denied.first?.address == address, sourceLocation: sourceLocation)
        #expect(denied.first?.port == port, sourceLocation: sourceLocation)
    }

    @Test func tcpToPublicIPv4IsDeniedWithTheAddress() throws {
        try expectNetworkDenied("tcp4", "1.1.1.1", 80, family: "AF_INET", syscall: "connect")
    }

    @Test func tcpToPublicIPv6IsDeniedWithTheAddress() throws {
        try expectNetworkDenied("tcp6", "2606:4700:4700::1111", 443, family: "AF_INET6", syscall: "connect")
    }

    @Test func udpDNSQueriesAreDeniedWithPort53() throws {
        try expectNetworkDenied("udp4-sendto", "8.8.8.8", 53, family: "AF_INET", syscall: "sendto")
    }

    @Test func sendmsgWithADestinationIsDeniedWithTheAddress() throws {
        try expectNetworkDenied("udp6-sendmsg", "2001:4860:4860::8888", 53, family: "AF_INET6", syscall: "sendmsg")
    }

    @Test func hostLoopbackServicesAreUnreachable() throws {
        // A real TCP server on the host's loopback; the sandbox's 127.0.0.1 is its own.
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, len) } }
        listen(server, 8)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let h = try SandboxHarness()
        let v4 = try h.probe("tcp4", "127.0.0.1", String(port))
        let v6 = try h.probe("tcp6", "::1", String(port))
        #expect(v4.out == "connect errno=\(ECONNREFUSED)\n")
        #expect(v6.out.hasPrefix("connect errno="))
        // Nothing reached the host's server.
        var p = pollfd(fd: server, events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 100) == 0, "the host server saw a connection")
    }

    @Test func hostAbstractUnixSocketsAreUnreachable() throws {
        let name = "jcs-test-\(getpid())"
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw[0] = 0
            for (i, b) in bytes.enumerated() { raw[i + 1] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, length) } }
        #expect(bound == 0)
        listen(server, 8)
        let h = try SandboxHarness()
        let r = try h.probe("abstract-unix", name)
        #expect(r.out == "abstract-unix errno=\(ECONNREFUSED)\n")
        var p = pollfd(fd: server, events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 100) == 0, "the host's abstract socket saw a connection")
    }

    @Test func sandboxLoopbackWorksForLocalServers() throws {
        let h = try SandboxHarness()
        let r = try h.sh(
            "python3 -c 'import socket,threading\ns=socket.socket(); s.bind((\"127.0.0.1\",0)); s.listen(1)\n"
                + "c=socket.create_connection(s.getsockname()); a,_=s.accept(); c.send(b\"ping\"); print(a.recv(4).decode())'")
        #expect(r.out == "ping\n", "\(r.err)")
        #expect(r.violations.isEmpty)
    }

    @Test func refusedSocketFamiliesAreReported() throws {
        let h = try SandboxHarness()
        h.installProbe()
        let cases: [(String, [String], String)] = [
            ("netlink", ["16", "3", "0"], "AF_NETLINK"),  // AF_NETLINK, SOCK_RAW
            ("packet", ["17", "3", "0"], "AF_PACKET"),
            ("vsock", ["40", "1", "0"], "AF_VSOCK"),
            ("raw", ["2", "3", "1"], "AF_INET"),  // SOCK_RAW
            ("icmp", ["2", "2", "1"], "AF_INET"),  // SOCK_DGRAM, IPPROTO_ICMP
            ("icmp6", ["10", "2", "58"], "AF_INET6"),
        ]
        for (name, args, family) in cases {
            let r = try h.run(["/workspace/.probe", "socket"] + args)
            #expect(r.out.hasPrefix("socket errno="), "\(name) socket was created: \(r.out)")
            let reported = r.violations(kind: "network_protocol_denied")
            #expect(reported.count == 1 && reported.first?.family == family, "\(name): \(r.violations)")
        }
        let junk = try h.probe("socket-high-bits", "17")
        #expect(junk.out.hasPrefix("socket-high-bits errno="))
        #expect(!junk.violations(kind: "network_protocol_denied").isEmpty)
    }
}
