#if canImport(Glibc)
import Glibc
#endif
@testable import CodeServer
import Sandbox
import Testing
import TestSupport

/// `network_egress_policy: allow` end to end: real HTTP servers on host addresses, real tools in
/// real sandboxes (python3 and curl from the host's /usr), the real worker, the real proxy. Each
/// test asserts what the tool got (the kernel's answer) and what was reported (violations, the
/// result's `network` section, events with the call's ids).
@Suite(.serialized)
struct EgressSandboxTests {
    /// A project with egress allowed and a script in it; the script's source never carries the
    /// destination in the call's arguments, so only the kernel path decides.
    private func run(
        _ script: String, options: JSONValue, tool: String = "/usr/bin/python3", env: JSONValue? = nil
    ) async throws -> (ToolResult, RuntimeFixture) {
        try await EgressProbe.run(script, options: options, tool: tool, env: env)
    }

    private func stdout(_ result: ToolResult) -> String { result.output?["stdout"]?.stringValue ?? "" }
    private func stderr(_ result: ToolResult) -> String { result.output?["stderr"]?.stringValue ?? "" }

    private static func rawGet(_ host: String, _ port: Int, family: String = "socket.AF_INET") -> String {
        """
        import socket, sys
        s = socket.socket(\(family), socket.SOCK_STREAM)
        try:
            s.connect(("\(host)", \(port)))
        except OSError as e:
            print("connect failed", e.errno); sys.exit(3)
        s.sendall(b"GET /raw HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk: break
            data += chunk
        print(data.decode().split("\\r\\n\\r\\n", 1)[1])
        """
    }

    @Test func aProxyUnawareTCPConnectIsTunnelledToAnAllowedDestination() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let (result, fixture) = try await run(
            Self.rawGet(server.address, server.port),
            options: ["network_allowlist": [.string("\(server.address):\(server.port)")], "network_allowed_schemes": ["http", "https", "tcp"]])
        #expect(result.status == .completed, "\(result.json)")
        #expect(stdout(result).contains(server.body), "\(result.json)")
        #expect(server.requests == ["GET /raw HTTP/1.0"])
        #expect(result.violations.isEmpty)
        let connection = try #require(result.network?.connections.first, "\(result.json)")
        #expect(connection.allowed && connection.path == .transparent && connection.protocol == .tcp)
        #expect(connection.address == server.address && connection.port == server.port)
        #expect(connection.bytesSent > 0 && connection.bytesReceived > server.body.utf8.count)
        let event = try #require(fixture.events(EventKind.networkConnection).first)
        #expect(event.correlationId == "corr-egress" && event.payload.json["call_id"]?.stringValue == result.callId)
        #expect(event.payload.json["bytes_received"]?.intValue == connection.bytesReceived)
    }

    @Test func aNonBlockingConnectSeesAConnectedSocket() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let script = """
            import socket, errno
            s = socket.socket()
            s.setblocking(False)
            rc = s.connect_ex(("\(server.address)", \(server.port)))
            print("connect_ex", rc, "nonblocking", s.getblocking() is False)
            s.setblocking(True)
            s.sendall(b"GET /nb HTTP/1.0\\r\\n\\r\\n")
            print(s.recv(4096).decode().split("\\r\\n\\r\\n", 1)[1])
            """
        let (result, _) = try await run(
            script,
            options: ["network_allowlist": [.string("\(server.address):\(server.port)")], "network_allowed_schemes": ["tcp"]])
        #expect(stdout(result).contains("connect_ex 0 nonblocking True"), "\(result.json)")
        #expect(stdout(result).contains(server.body), "\(result.json)")
    }

    @Test func aDestinationOffTheAllowlistIsRefusedAndReportedWithTheCallsIds() async throws {
        let allowed = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        let other = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer {
            allowed.stop()
            other.stop()
        }
        let (result, fixture) = try await run(
            Self.rawGet(other.address, other.port),
            options: ["network_allowlist": [.string("\(allowed.address):\(allowed.port)")], "network_allowed_schemes": ["tcp"]])
        #expect(stdout(result).contains("connect failed 1"), "EPERM expected: \(result.json)")
        #expect(other.requests.isEmpty)
        let violation = try #require(result.violations.first, "\(result.json)")
        #expect(violation.kind == "network_denied" && violation.networkReason == "network_endpoint_denied")
        #expect(violation.address == other.address && violation.port == other.port && violation.networkProtocol == "tcp")
        let event = try #require(fixture.events(EventKind.networkDenied).first)
        #expect(event.correlationId == "corr-egress" && event.payload.json["reason"] == "network_endpoint_denied")
        #expect(event.payload.json["source"] == "kernel")
        #expect(result.network?.connections.first?.denial?.code == "network_endpoint_denied")
    }

    @Test func tcpOutsideTheAllowedSchemesIsAProtocolDenial() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let (result, _) = try await run(
            Self.rawGet(server.address, server.port), options: ["network_allowlist": [.string("\(server.address):\(server.port)")]])
        #expect(stdout(result).contains("connect failed 1"), "\(result.json)")
        let violation = try #require(result.violations.first)
        #expect(violation.kind == "network_protocol_denied" && violation.networkProtocol == "tcp")
        #expect(server.requests.isEmpty)
    }

    @Test func aTunnelCannotBeDisconnectedAndTurnedIntoAHostListener() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let script = """
            import ctypes, socket
            libc = ctypes.CDLL(None, use_errno=True)
            s = socket.create_connection(("\(server.address)", \(server.port)))
            unspec = (ctypes.c_ubyte * 16)()
            rc = libc.connect(s.fileno(), unspec, 16)
            print("disconnect", rc, ctypes.get_errno())
            try:
                s.listen(1)
                print("listening")
            except OSError as e:
                print("listen refused", e.errno)
            """
        let (result, _) = try await run(
            script,
            options: ["network_allowlist": [.string("\(server.address):\(server.port)")], "network_allowed_schemes": ["tcp"]])
        #expect(stdout(result).contains("disconnect -1 1"), "\(result.json)")
        #expect(stdout(result).contains("listen refused"), "\(result.json)")
        #expect(result.violations.contains { $0.kind == "network_denied" && $0.family == "AF_UNSPEC" }, "\(result.json)")
    }

    @Test func theConnectionLimitOfACallIsReportedLikeOtherLimits() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let script = """
            import socket
            for i in range(2):
                try:
                    s = socket.create_connection(("\(server.address)", \(server.port)))
                    s.sendall(b"GET /n HTTP/1.0\\r\\n\\r\\n")
                    s.recv(4096)
                    s.close()
                    print("connection", i, "ok")
                except OSError as e:
                    print("connection", i, "refused", e.errno)
            """
        let (result, fixture) = try await run(
            script,
            options: [
                "network_allowlist": [.string("\(server.address):\(server.port)")], "network_allowed_schemes": ["tcp"],
                "network_max_connections_per_call": 1,
            ])
        #expect(stdout(result).contains("connection 0 ok"), "\(result.json)")
        #expect(stdout(result).contains("connection 1 refused 1"), "\(result.json)")
        #expect(result.network?.limitFired == "network_connections", "\(result.json)")
        #expect(result.violations.contains { $0.kind == "limit_exceeded" && $0.limit == "network_connections" && $0.port == server.port })
        let limit = try #require(fixture.events(EventKind.limitExceeded).first { $0.payload.json["limit"] == "network_connections" })
        #expect(limit.correlationId == "corr-egress")
        #expect(server.requests.count == 1)
    }

    @Test func anIPv6LiteralIsTunnelled() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv6)
        defer { server.stop() }
        let (result, _) = try await run(
            Self.rawGet(server.address, server.port, family: "socket.AF_INET6"),
            options: ["network_allowlist": [.string("[\(server.address)]:\(server.port)")], "network_allowed_schemes": ["tcp"]])
        #expect(stdout(result).contains(server.body), "\(result.json)")
        #expect(result.network?.connections.first?.address == server.address)
    }

    @Test func proxyAwarePythonUsesTheProxyVariablesWhichTheEnvironmentCannotOverride() async throws {
        let allowed = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        let refused = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer {
            allowed.stop()
            refused.stop()
        }
        let script = """
            import os, urllib.request, urllib.error
            print("proxy", os.environ.get("HTTP_PROXY"))
            print(urllib.request.urlopen("http://\(allowed.address):\(allowed.port)/via-proxy", timeout=30).read().decode())
            try:
                urllib.request.urlopen("http://\(refused.address):\(refused.port)/nope", timeout=30)
            except urllib.error.HTTPError as e:
                print("refused", e.code, e.headers.get("x-jcs-reason"))
            """
        let (result, fixture) = try await run(
            script,
            options: ["network_allowlist": [.string("\(allowed.address):\(allowed.port)")], "tool_env_allowlist": ["HTTP_PROXY"]],
            env: ["HTTP_PROXY": "127.0.0.2:9"])
        #expect(stdout(result).contains("proxy http://127.0.0.1:3128"), "\(result.json)")
        #expect(stdout(result).contains(allowed.body), "\(result.json)")
        #expect(stdout(result).contains("refused 403 network_endpoint_denied"), "\(result.json)")
        // The origin got an origin-form request, not the proxy's absolute URL.
        #expect(allowed.requests.first?.hasPrefix("GET /via-proxy ") == true, "\(allowed.requests)")
        #expect(refused.requests.isEmpty)
        let connections = result.network?.connections ?? []
        #expect(connections.contains { $0.allowed && $0.path == .proxy && $0.protocol == .http })
        let denial = try #require(fixture.events(EventKind.networkDenied).first)
        #expect(denial.payload.json["source"] == "proxy" && denial.payload.json["port"]?.intValue == refused.port)
        #expect(denial.correlationId == "corr-egress")
    }

    @Test func curlThroughTheProxyAndTransparently() async throws {
        guard access("/usr/bin/curl", X_OK) == 0 else {
            Issue.record("curl is not installed at /usr/bin/curl: the curl paths are untested on this host")
            return
        }
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let script = """
            /usr/bin/curl -sS http://\(server.address):\(server.port)/proxied; echo
            /usr/bin/curl -sS --noproxy '*' http://\(server.address):\(server.port)/direct; echo
            /usr/bin/curl -sS --proxytunnel http://\(server.address):\(server.port)/tunnel; echo
            """
        let (result, _) = try await run(
            script,
            options: ["network_allowlist": [.string("\(server.address):\(server.port)")], "network_allowed_schemes": ["http", "tcp"]],
            tool: "/bin/sh")
        let body = stdout(result)
        #expect(body.split(separator: "\n").filter { $0 == server.body }.count == 3, "\(result.json)")
        let paths = Set(server.requests.map { String($0.split(separator: " ")[1]) })
        #expect(paths == ["/proxied", "/direct", "/tunnel"])
        // The tunnel is the client's own CONNECT: a proxy-path connection, classified by port.
        #expect(result.network?.connections.contains { $0.path == .proxy && $0.protocol == .tcp } == true)
        let routes: Set<EgressConnectionRecord.Path> = Set(result.network?.connections.map(\.path) ?? [])
        #expect(routes == [.proxy, .transparent])
    }

    @Test func aNameResolvingToLoopbackNeedsAnEntryNamingTheAddress() async throws {
        let server = try LoopbackHTTPServer(address: "127.0.0.1")
        defer { server.stop() }
        let script = """
            import urllib.request, urllib.error
            try:
                print(urllib.request.urlopen("http://mirror.test:\(server.port)/m", timeout=30).read().decode())
            except urllib.error.HTTPError as e:
                print("refused", e.code, e.read().decode())
            """
        let base: [String: JSONValue] = ["network_host_overrides": ["mirror.test": "127.0.0.1"]]
        var without = base
        without["network_allowlist"] = ["mirror.test"]
        let (refused, _) = try await run(script, options: .object(without))
        #expect(stdout(refused).contains("refused 403 network_endpoint_denied"), "\(refused.json)")
        #expect(stdout(refused).contains("127.0.0.0/8"), "\(refused.json)")
        #expect(server.requests.isEmpty)

        var with = base
        with["network_allowlist"] = ["mirror.test", .string("127.0.0.1:\(server.port)")]
        let (allowed, _) = try await run(script, options: .object(with))
        #expect(stdout(allowed).contains(server.body), "\(allowed.json)")
        #expect(allowed.network?.connections.first?.host == "mirror.test")
        #expect(allowed.network?.connections.first?.address == "127.0.0.1")
    }

    @Test func datagramsOutsideAreRefusedAsAProtocol() async throws {
        let script = """
            import socket
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for port in (9999, 53):
                try:
                    u.sendto(b"x", ("\(EgressTestAddresses.ipv4)", port))
                    print("udp sent", port)
                except OSError as e:
                    print("udp refused", port, e.errno)
            """
        let (result, _) = try await run(script, options: ["network_allowlist": [.string(EgressTestAddresses.ipv4)]])
        #expect(stdout(result).contains("udp refused 9999 1"), "\(result.json)")
        #expect(stdout(result).contains("udp refused 53 1"), "\(result.json)")
        #expect(result.violations.contains { $0.kind == "network_protocol_denied" && $0.networkProtocol == "udp" && $0.port == 9999 })
        // A name server outside (a resolver configured by the tool itself) is DNS, refused too:
        // the sandbox's own name server is the way to resolve.
        #expect(result.violations.contains { $0.kind == "network_protocol_denied" && $0.networkProtocol == "dns" && $0.port == 53 })
        #expect(result.network?.connections.isEmpty == true)
    }
}
