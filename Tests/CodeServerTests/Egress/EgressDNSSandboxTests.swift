#if canImport(Glibc)
import Glibc
#endif
@testable import CodeServer
import Sandbox
import Testing
import TestSupport

/// Names inside the sandbox, end to end: real resolvers (glibc through Python and `getent`,
/// git's libcurl) in real sandboxes asking the sandbox's name server, the real proxy's stub
/// deciding, real HTTP servers on host addresses answering. Every test asserts what the tool
/// got and what was recorded with the call's ids.
@Suite(.serialized)
struct EgressDNSSandboxTests {
    private func stdout(_ result: ToolResult) -> String { EgressProbe.stdout(result) }

    /// `svc.test` pinned to the host test address the server listens on.
    private func options(_ allow: [String], overrides: [String: String] = ["svc.test": EgressTestAddresses.ipv4]) -> JSONValue {
        [
            "network_allowlist": .array(allow.map { .string($0) }),
            "network_allowed_schemes": ["http", "https", "tcp"],
            "network_host_overrides": .object(overrides.mapValues { .string($0) }),
        ]
    }

    @Test func getaddrinfoOfAnAllowedNameThenAConnectReachesTheServer() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let script = """
            import socket
            print("resolved", sorted({i[4][0] for i in socket.getaddrinfo("svc.test", \(server.port))}))
            s = socket.create_connection(("svc.test", \(server.port)), timeout=20)
            s.sendall(b"GET /by-name HTTP/1.0\\r\\nHost: svc.test\\r\\n\\r\\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk: break
                data += chunk
            print(data.decode().split("\\r\\n\\r\\n", 1)[1])
            """
        let (result, fixture) = try await EgressProbe.run(script, options: options(["svc.test"]))
        #expect(stdout(result).contains("resolved ['\(server.address)']"), "\(result.json)")
        #expect(stdout(result).contains(server.body), "\(result.json)")
        #expect(server.requests == ["GET /by-name HTTP/1.0"])
        #expect(result.violations.isEmpty, "\(result.json)")
        // The connect went to an address; it is decided and recorded as the name looked up.
        let connection = try #require(result.network?.connections.first { $0.allowed }, "\(result.json)")
        #expect(connection.host == "svc.test" && connection.address == server.address && connection.path == .transparent)
        #expect(fixture.events(EventKind.networkDenied).isEmpty)
    }

    @Test func aNameOffTheAllowlistIsNXDOMAINAndReportedWithTheName() async throws {
        let script = """
            import socket
            try:
                socket.getaddrinfo("blocked.test", 80)
                print("resolved")
            except socket.gaierror as e:
                print("lookup failed", e.errno)
            """
        let (result, fixture) = try await EgressProbe.run(script, options: options(["svc.test"]))
        #expect(stdout(result).contains("lookup failed \(EAI_NONAME)"), "NXDOMAIN expected: \(result.json)")
        let refusals = result.network?.connections.filter { $0.host == "blocked.test" } ?? []
        #expect(refusals.count == 1, "one record for the name, however many queries: \(result.json)")
        #expect(refusals.first?.protocol == .dns && refusals.first?.denial?.code == "network_endpoint_denied")
        let event = try #require(fixture.events(EventKind.networkDenied).first, "\(result.json)")
        #expect(event.payload.json["host"] == "blocked.test" && event.payload.json["source"] == "dns")
        #expect(event.payload.json["protocol"] == "dns" && event.payload.json["reason"] == "network_endpoint_denied")
        #expect(event.correlationId == "corr-egress" && event.payload.json["call_id"]?.stringValue == result.callId)
    }

    @Test func aNameResolvingToLoopbackResolvesOnlyWithAnEntryNamingTheAddress() async throws {
        let script = """
            import socket
            try:
                print("resolved", socket.getaddrinfo("mirror.test", 80, socket.AF_INET)[0][4][0])
            except socket.gaierror as e:
                print("lookup failed", e.errno)
            """
        let overrides = ["mirror.test": "127.0.0.1"]
        let (refused, _) = try await EgressProbe.run(script, options: options(["mirror.test"], overrides: overrides))
        #expect(stdout(refused).contains("lookup failed \(EAI_NONAME)"), "\(refused.json)")
        let denial = try #require(refused.network?.connections.first?.denial, "\(refused.json)")
        #expect(denial.detail.contains("127.0.0.0/8"), "\(denial.detail)")

        let (allowed, _) = try await EgressProbe.run(
            script, options: options(["mirror.test", "127.0.0.1:8080"], overrides: overrides))
        #expect(stdout(allowed).contains("resolved 127.0.0.1"), "\(allowed.json)")
        #expect(allowed.network?.connections.isEmpty == true, "\(allowed.json)")
    }

    @Test func getentResolvesAllowedNamesAndNotOthers() async throws {
        let script = """
            getent hosts svc.test; echo "hosts $?"
            getent ahosts svc.test | head -1; echo "ahosts $?"
            getent hosts blocked.test; echo "blocked $?"
            """
        let (result, _) = try await EgressProbe.run(script, options: options(["svc.test"]), tool: "/bin/sh")
        let out = stdout(result)
        #expect(out.split(separator: "\n").contains { $0.split(separator: " ") == [Substring(EgressTestAddresses.ipv4), "svc.test"] }, "\(out) \(result.json)")
        #expect(out.contains("hosts 0") && out.contains("\(EgressTestAddresses.ipv4)"), "\(result.json)")
        #expect(out.contains("blocked 2"), "getent's 'not found': \(result.json)")
        #expect(result.network?.connections.contains { $0.host == "blocked.test" && $0.protocol == .dns } == true)
    }

    @Test func unconnectedQueriesAndTCPQueriesAreAnsweredFromTheAddressAsked() async throws {
        // What musl and hand-written clients do: sendto without connect, and DNS over TCP.
        let script = """
            import socket, struct
            q = b"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x03svc\\x04test\\x00\\x00\\x01\\x00\\x01"
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(10)
            u.sendto(q, ("127.0.0.1", 53))
            data, peer = u.recvfrom(512)
            print("udp", peer, data[:2].hex(), data[3] & 15, ".".join(map(str, data[-4:])))
            t = socket.create_connection(("127.0.0.1", 53), timeout=10)
            t.sendall(struct.pack("!H", len(q)) + q)
            n = struct.unpack("!H", t.recv(2))[0]
            data = t.recv(n)
            print("tcp", data[:2].hex(), data[3] & 15, ".".join(map(str, data[-4:])))
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            v6.settimeout(10)
            v6.sendto(q, ("::1", 53))
            data, peer = v6.recvfrom(512)
            print("udp6", peer, data[:2].hex(), data[3] & 15, ".".join(map(str, data[-4:])))
            """
        let (result, _) = try await EgressProbe.run(script, options: options(["svc.test"]))
        let ip = EgressTestAddresses.ipv4
        #expect(stdout(result).contains("udp ('127.0.0.1', 53) 1234 0 \(ip)"), "\(result.json)")
        #expect(stdout(result).contains("tcp 1234 0 \(ip)"), "\(result.json)")
        #expect(stdout(result).contains("udp6 ('::1', 53, 0, 0) 1234 0 \(ip)"), "\(result.json)")
    }

    @Test func aFloodOfGarbageLeavesTheNameServerAnswering() async throws {
        // Hostile datagrams and a TCP client that sends half a frame and stalls: the name server
        // drops or answers them, and a real lookup still works afterwards.
        let script = """
            import os, socket, time
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for i in range(3000):
                n = (i * 7919) % 1400
                u.sendto(os.urandom(n) if i % 3 else b"\\x00\\x01\\x01\\x00\\x00\\x01" + b"\\xc0\\x0c" * (n // 2), ("127.0.0.1", 53))
            t = socket.create_connection(("127.0.0.1", 53), timeout=10)
            t.sendall(b"\\xff")
            for attempt in range(50):
                try:
                    print("resolved", socket.getaddrinfo("svc.test", 80, socket.AF_INET)[0][4][0])
                    break
                except socket.gaierror as e:
                    time.sleep(0.2)
            """
        let (result, _) = try await EgressProbe.run(script, options: options(["svc.test"]))
        #expect(result.status == .completed, "\(result.json)")
        #expect(stdout(result).contains("resolved \(EgressTestAddresses.ipv4)"), "\(result.json)")
    }

    @Test func curlByNameWithoutTheProxy() async throws {
        guard access("/usr/bin/curl", X_OK) == 0 else {
            Issue.record("curl is not installed at /usr/bin/curl: the curl case is untested on this host")
            return
        }
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let script = """
            /usr/bin/curl -sS --noproxy '*' http://svc.test:\(server.port)/curl; echo
            /usr/bin/curl -sS --noproxy '*' http://blocked.test:\(server.port)/no 2>&1; echo "blocked $?"
            """
        let (result, _) = try await EgressProbe.run(script, options: options(["svc.test"]), tool: "/bin/sh")
        #expect(stdout(result).contains(server.body), "\(result.json)")
        #expect(stdout(result).contains("Could not resolve host: blocked.test") && stdout(result).contains("blocked 6"), "\(result.json)")
        #expect(server.requests == ["GET /curl HTTP/1.1"])
        #expect(result.network?.connections.contains { $0.allowed && $0.host == "svc.test" && $0.path == .transparent } == true)
    }

    @Test func pythonURLLibThroughTheProxyVariablesWithAName() async throws {
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4)
        defer { server.stop() }
        let script = """
            import urllib.request
            print(urllib.request.urlopen("http://svc.test:\(server.port)/urllib", timeout=30).read().decode())
            """
        let (result, _) = try await EgressProbe.run(script, options: options(["svc.test"]))
        #expect(stdout(result).contains(server.body), "\(result.json)")
        let connection = try #require(result.network?.connections.first, "\(result.json)")
        #expect(connection.path == .proxy && connection.host == "svc.test" && connection.address == server.address)
    }

    @Test func withEgressDeniedNothingAnswersNames() async throws {
        let script = """
            import socket, time
            start = time.monotonic()
            try:
                socket.getaddrinfo("svc.test", 80)
                print("resolved")
            except socket.gaierror as e:
                print("lookup failed fast" if time.monotonic() - start < 2 else "lookup failed slowly")
            """
        var denied = options(["svc.test"]).objectValue ?? [:]
        denied["network_egress_policy"] = "deny"
        let (result, _) = try await EgressProbe.run(script, options: .object(denied))
        #expect(stdout(result).contains("lookup failed fast"), "\(result.json)")
        #expect(result.network == nil || result.network?.connections.isEmpty == true)
    }

    @Test func gitLsRemoteByNameAllowedAndDenied() async throws {
        guard access("/usr/bin/git", X_OK) == 0 else {
            Issue.record("git is not installed at /usr/bin/git (scripts/setup installs it): git over http is untested here")
            return
        }
        let origin = TempDirectory(prefix: "jcs-git")
        let repo = origin.path + "/repo.git"
        let setup = """
            set -e
            git init -q --bare \(repo)
            git init -q \(origin.path)/work && cd \(origin.path)/work
            git -c user.name=t -c user.email=t@t commit -q --allow-empty -m one
            git push -q \(repo) HEAD:refs/heads/main
            git -C \(repo) update-server-info
            git -C \(repo) rev-parse refs/heads/main
            """
        let head = try #require(Self.shell(setup), "could not make the test repository")
        let server = try LoopbackHTTPServer(address: EgressTestAddresses.ipv4, root: origin.path)
        defer { server.stop() }
        let url = "http://git.test:\(server.port)/repo.git"
        let script = """
            export HOME=/tmp
            git ls-remote \(url) 2>&1; echo "proxy $?"
            git -c http.proxy= ls-remote \(url) 2>&1; echo "transparent $?"
            """
        let overrides = ["git.test": EgressTestAddresses.ipv4]
        let (allowed, _) = try await EgressProbe.run(
            script, options: options(["git.test:\(server.port)"], overrides: overrides), tool: "/bin/sh")
        let out = stdout(allowed)
        #expect(out.contains("\(head)\trefs/heads/main"), "\(allowed.json)")
        #expect(out.contains("proxy 0") && out.contains("transparent 0"), "\(allowed.json)")
        let paths = Set(allowed.network?.connections.filter(\.allowed).map(\.path) ?? [])
        #expect(paths == [.proxy, .transparent], "\(allowed.json)")
        #expect(allowed.network?.connections.allSatisfy { $0.host == "git.test" } == true, "\(allowed.json)")

        let before = server.requests.count
        let (denied, fixture) = try await EgressProbe.run(
            script, options: options(["other.test"], overrides: overrides), tool: "/bin/sh")
        #expect(stdout(denied).contains("proxy 128") && stdout(denied).contains("transparent 128"), "\(denied.json)")
        #expect(server.requests.count == before, "nothing reached the server")
        let events = fixture.events(EventKind.networkDenied)
        #expect(events.contains { $0.payload.json["source"] == "proxy" && $0.payload.json["host"] == "git.test" }, "\(denied.json)")
        #expect(events.contains { $0.payload.json["source"] == "dns" && $0.payload.json["host"] == "git.test" }, "\(denied.json)")
    }

    /// Runs `script` with /bin/sh on the host; its last output line, nil on failure.
    private static func shell(_ script: String) -> String? {
        guard let pipe = popen("/bin/sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' 2>&1", "r") else { return nil }
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        while let line = fgets(&buffer, Int32(buffer.count), pipe) { lines.append(String(cString: line)) }
        guard pclose(pipe) == 0 else { return nil }
        return lines.last.map { String($0.filter { !$0.isWhitespace }) }
    }
}
