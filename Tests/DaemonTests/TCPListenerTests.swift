#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// The optional TCP listener: a real daemon started with `--config`, reached over 127.0.0.1 the
/// way a remote client would, asserting what it serves to which token and what it logs.
@Suite
struct TCPListenerTests {
    static let scopedSecret = "scoped-secret-0123456789abcdef"
    static let adminSecret = "admin-secret-fedcba9876543210"
    static let scrapeSecret = "scrape-secret-0011223344556677"

    final class Setup {
        let fixture: DaemonFixture
        var daemon: DaemonProcess { fixture.daemon }
        let port: Int

        init() throws {
            let config: JSONValue = [
                "tcp": [
                    "listen": "127.0.0.1:0",
                    "idle_timeout_seconds": 1,
                    "tokens": [
                        [
                            "name": "ci", "sha256": .string(SHA256.hexDigest(Array(TCPListenerTests.scopedSecret.utf8))),
                            "projects": ["p1", "cli-only"],
                        ],
                        ["name": "ops", "token_file": "DIR/admin.token", "projects": ["*"]],
                        [
                            "name": "prometheus", "sha256": .string(SHA256.hexDigest(Array(TCPListenerTests.scrapeSecret.utf8))),
                            "projects": [], "metrics": true,
                        ],
                    ],
                ]
            ]
            fixture = try DaemonFixture(config: config) { $0.write("admin.token", TCPListenerTests.adminSecret + "\n", mode: 0o600) }
            port = try fixture.tcpPort()
            let directory = fixture.directory
            _ = system2(["/bin/mkdir", "-p", directory.file("p1"), directory.file("p2"), directory.file("cli-only")])
            for (id, options) in [("p1", "{}"), ("p2", "{}"), ("cli-only", #"{"protocol_allowlist":["cli"]}"#)] {
                directory.write("\(id).options.json", options)
                let r = fixture.jcs("project", "start", directory.file(id), "--id", id, "--options-file", directory.file("\(id).options.json"))
                #expect(r.status == 0, "project start \(id): \(r.json) \(r.stderr)")
            }
        }

        func get(_ target: String, secret: String?, extra: [String: String] = [:]) -> RawHTTP.Answer? {
            var headers = extra.map { ($0.key, $0.value) }
            if let secret { headers.append(("Authorization", "Bearer \(secret)")) }
            return RawHTTP.send(port: port, method: "GET", target: target, headers: headers)
        }
    }

    @Test func requestsWithoutAKnownTokenAreRefusedWith401AndLogged() throws {
        let setup = try Setup()
        let cases: [(String, [(String, String)])] = [
            ("no header", []),
            ("unknown token", [("Authorization", "Bearer not-a-token-of-this-daemon")]),
            ("wrong scheme", [("Authorization", "Basic " + TCPListenerTests.scopedSecret)]),
            ("empty token", [("Authorization", "Bearer ")]),
        ]
        for (name, headers) in cases {
            let answer = try #require(RawHTTP.send(port: setup.port, method: "GET", target: "/v1/projects/p1/tools", headers: headers), "\(name)")
            #expect(answer.status == 401, "\(name)")
            #expect(answer.json["error"]?.stringValue == "unauthorized", "\(name): \(answer.json)")
            #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(name)")
        }
        let denials = setup.fixture.logLines.filter { $0["event"]?.stringValue == "daemon.tcp_denied" }
        #expect(denials.count == cases.count)
        #expect(denials.allSatisfy { $0["remote"]?.stringValue?.contains("127.0.0.1") == true })
        let log = readTextFile(setup.daemon.logPath) ?? ""
        #expect(!log.contains(TCPListenerTests.scopedSecret) && !log.contains(TCPListenerTests.adminSecret), "a secret reached the log")
        // The Unix socket is unaffected by TCP refusals.
        #expect(runProduct("jcs", ["project", "list", "--json", "--socket", setup.daemon.socketPath]).status == 0)
    }

    @Test func aScopedTokenReachesOnlyItsProjects() throws {
        let setup = try Setup()
        let secret = TCPListenerTests.scopedSecret
        let allowed = try #require(setup.get("/v1/projects/p1/tools", secret: secret))
        #expect(allowed.status == 200)
        #expect(allowed.json["tools"]?.arrayValue?.isEmpty == false)
        #expect(try #require(setup.get("/v1/alerts?project=p1", secret: secret)).status == 200)

        let refused = [
            "/v1/projects/p2/tools",  // another project
            "/v1/projects",  // host-wide
            "/v1/doctor",
            "/v1/memory",
            "/v1/alerts",
            "/v1/alerts?project=p2",
            "/v1/alerts?project=p1&project=p2",  // a repeated key the route might read differently
            "/v1/projects/p1/../p2/tools",  // dot segments
            "/v1/projects/p%32/tools",  // an escape that decodes to p2
            "/v1/projects//p2/tools",
        ]
        for target in refused {
            let answer = try #require(setup.get(target, secret: secret), "\(target)")
            #expect(answer.status == 403, "\(target): \(answer.status) \(answer.json)")
            #expect(answer.json["error"]?.stringValue == "forbidden", "\(target)")
        }
        let start = try #require(
            RawHTTP.send(
                port: setup.port, method: "POST", target: "/v1/projects", headers: [("Authorization", "Bearer \(secret)")],
                body: Array(#"{"root":"/"}"#.utf8)))
        #expect(start.status == 403, "a scoped token must not start projects on the host")
        let denials = setup.fixture.logLines.filter { $0["event"]?.stringValue == "daemon.tcp_denied" }
        #expect(denials.count == refused.count + 1)
        #expect(denials.allSatisfy { $0["token"]?.stringValue == "ci" && $0["reason"]?.stringValue?.isEmpty == false })
    }

    @Test func anAllProjectsTokenFromAFileReachesHostWideRoutes() throws {
        let setup = try Setup()
        let list = try #require(setup.get("/v1/projects", secret: TCPListenerTests.adminSecret))
        #expect(list.status == 200)
        #expect(Set(list.json["projects"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == ["p1", "p2", "cli-only"])
        #expect(try #require(setup.get("/v1/projects/p2/diagnostics", secret: TCPListenerTests.adminSecret)).status == 200)
        #expect(try #require(setup.get("/v1/health", secret: TCPListenerTests.scopedSecret)).status == 200)
    }

    @Test func metricsNeedAScrapeOrAllProjectsTokenAndAScrapeTokenGetsNothingElse() throws {
        let setup = try Setup()
        for secret in [TCPListenerTests.scrapeSecret, TCPListenerTests.adminSecret] {
            let scrape = try #require(setup.get("/metrics", secret: secret))
            #expect(scrape.status == 200)
            #expect(scrape.text.contains("jcs_up 1"))
        }
        // /metrics shows every project's counters: a token scoped to some projects may not read it.
        #expect(try #require(setup.get("/metrics", secret: TCPListenerTests.scopedSecret)).status == 403)
        for target in ["/v1/projects", "/v1/projects/p1/tools", "/v1/alerts?project=p1", "/v1/doctor"] {
            let answer = try #require(setup.get(target, secret: TCPListenerTests.scrapeSecret), "\(target)")
            #expect(answer.status == 403, "\(target): a scrape-only token reached it")
        }
    }

    /// Reads from `fd` until `deadline` seconds pass, end of stream, or `until` holds for what
    /// arrived; what arrived and whether the peer closed.
    private static func read(_ fd: Int32, seconds: Int, until: (String) -> Bool = { _ in false }) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let end = Timestamp.monotonicNs() + UInt64(seconds) * 1_000_000_000
        while Timestamp.monotonicNs() < end {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received += chunk[..<n]
            if until(String(decoding: received, as: UTF8.self)) { break }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    @Test func idleConnectionsAreClosedButAFollowStreamIsNot() throws {
        let setup = try Setup()
        // Connects and sends nothing; then one that stops halfway through its request head.
        for partial in ["", "GET /v1/health HTTP/1.1\r\nHost: x\r\n"] {
            let fd = try #require(RawHTTP.connectTCP(setup.port))
            defer { close(fd) }
            _ = partial.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            #expect(Self.read(fd, seconds: 10).closed, "an idle connection (\(partial.isEmpty ? "silent" : "half a head")) was kept")
        }
        // A follower waits longer than the idle timeout for its first event and still gets it.
        let fd = try #require(RawHTTP.connectTCP(setup.port))
        defer { close(fd) }
        let request = "GET /v1/projects/p1/events?follow=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TCPListenerTests.scopedSecret)\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        let head = Self.read(fd, seconds: 5) { $0.contains("\r\n\r\n") }
        #expect(head.text.hasPrefix("HTTP/1.1 200"), "\(head.text)")
        let quiet = Self.read(fd, seconds: 3)
        #expect(!quiet.closed, "the follow stream was cut while waiting for events")
        #expect(setup.fixture.jcs("tool", "run", "p1", "fs.list", "--args", #"{"path":"."}"#).status == 0)
        let events = Self.read(fd, seconds: 10) { $0.contains("tool.completed") }
        #expect(events.text.contains("tool.completed"), "\(events.text)")
    }

    @Test func aRemoteCallerIsGatewayHTTPWhateverItClaims() throws {
        let setup = try Setup()
        let answer = try #require(
            RawHTTP.send(
                port: setup.port, method: "POST", target: "/v1/projects/cli-only/tools/fs.list/run",
                headers: [("Authorization", "Bearer \(TCPListenerTests.scopedSecret)"), ("X-JCS-Client", "cli")],
                body: Array(#"{"args":{"path":"."}}"#.utf8)))
        #expect(answer.status == 200)
        #expect(answer.json["status"]?.stringValue == "failed")
        #expect(answer.json["reason_codes"] == ["protocol_denied"], "\(answer.json)")
        // The same call from the local CLI is allowed.
        let local = runProduct(
            "jcs", ["tool", "run", "cli-only", "fs.list", "--args", #"{"path":"."}"#, "--json", "--socket", setup.daemon.socketPath])
        #expect((try? JSONParser.parse(local.out))?["status"]?.stringValue == "completed", "\(local.out)")
        // The refusal is a security event in the project's telemetry.
        let diagnostics = runProduct("jcs", ["diagnostics", "cli-only", "--json", "--socket", setup.daemon.socketPath])
        let counts = (try? JSONParser.parse(diagnostics.out))?["telemetry"]?["event_counts"]
        #expect(counts?["security.protocol_denied"]?.intValue == 1, "\(counts ?? .null)")
    }
}

/// `--config` errors: each names the key and the reason, and the daemon exits 78 before binding.
@Suite
struct ConfigFileTests {
    static let digest = String(repeating: "ab", count: 32)

    @Test(arguments: [
        (#"{"tcp":{"listen":"127.0.0.1:7433","tokens":[]}}"#, "tcp.tokens"),
        (#"{"tcp":{"listen":"127.0.0.1:7433"}}"#, "tcp.tokens"),
        (#"{"tcp":{"listen":"0.0.0.0:7433","tokens":[{"name":"a","sha256":"DIGEST","projects":["*"]}]}}"#, "tcp.listen"),
        (#"{"tcp":{"listen":"127.0.0.1:99999","tokens":[{"name":"a","sha256":"DIGEST","projects":["*"]}]}}"#, "tcp.listen"),
        (#"{"tcp":{"listen":"127.0.0.1","tokens":[{"name":"a","sha256":"DIGEST","projects":["*"]}]}}"#, "tcp.listen"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"abc","projects":["*"]}]}}"#, "tcp.tokens[0].sha256"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"DIGEST"}]}}"#, "tcp.tokens[0].projects"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"DIGEST","projects":["*","x"]}]}}"#, "tcp.tokens[0].projects"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"DIGEST","projects":[1]}]}}"#, "tcp.tokens[0].projects[0]"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","projects":["*"]}]}}"#, "tcp.tokens[0]"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"DIGEST","projects":["*"]},{"name":"a","sha256":"DIGEST","projects":["*"]}]}}"#, "tcp.tokens[1].name"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"DIGEST","projects":["*"],"scope":"x"}]}}"#, "tcp.tokens[0].scope"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"DIGEST","projects":[]}]}}"#, "tcp.tokens[0].projects"),
        (#"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"a","sha256":"DIGEST","projects":[],"metrics":"yes"}]}}"#, "tcp.tokens[0].metrics"),
        (#"{"socket":"relative.sock"}"#, "socket"),
        (#"{"shutdown_grace_seconds":0}"#, "shutdown_grace_seconds"),
        (#"{"data-dir":"/tmp"}"#, "data-dir"),
    ])
    func aBadConfigNamesTheKeyAndExits78(text: String, field: String) {
        let directory = TempDirectory(prefix: "jcs-config")
        directory.write("config.json", text.replacing("DIGEST", with: Self.digest))
        let r = runProduct("jcs-coordinator", ["serve", "--config", directory.file("config.json"), "--check-config"])
        #expect(r.status == 78, "\(text): \(r.err)")
        #expect(r.err.contains(": \(field): "), "\(text): \(r.err)")
    }

    @Test func aTokenFileOthersCanReadIsRefused() {
        let directory = TempDirectory(prefix: "jcs-config")
        directory.write("ops.token", "0123456789abcdef0123\n", mode: 0o644)
        directory.write(
            "config.json",
            #"{"tcp":{"listen":"127.0.0.1:1","tokens":[{"name":"ops","token_file":"\#(directory.file("ops.token"))","projects":["*"]}]}}"#)
        let r = runProduct("jcs-coordinator", ["serve", "--config", directory.file("config.json"), "--check-config"])
        #expect(r.status == 78)
        #expect(r.err.contains("tcp.tokens[0].token_file") && r.err.contains("chmod 600"), "\(r.err)")
    }

    @Test func checkConfigPrintsTheEffectiveSettingsWithoutSecrets() throws {
        let directory = TempDirectory(prefix: "jcs-config")
        directory.write(
            "config.json",
            #"{"data_dir":"/srv/jcs","socket":"/tmp/x.sock","tcp":{"listen":"[::1]:7433","tokens":[{"name":"ci","sha256":"\#(Self.digest)","projects":["b","a"]}]}}"#)
        let r = runProduct(
            "jcs", ["serve", "--config", directory.file("config.json"), "--socket", "/tmp/flag.sock", "--check-config"])
        #expect(r.status == 0, "\(r.err)")
        let summary = try JSONParser.parse(r.out)
        #expect(summary["data_dir"] == "/srv/jcs")
        #expect(summary["socket"] == "/tmp/flag.sock", "a flag wins over the file")
        #expect(summary["tcp"]?["host"] == "::1")
        #expect(summary["tcp"]?["port"] == 7433)
        #expect(summary["tcp"]?["tokens"] == [["name": "ci", "projects": ["a", "b"], "metrics": false]])
        #expect(!r.out.contains(Self.digest))
    }
}
