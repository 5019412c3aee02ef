#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// `alerts` in `jcs serve --config`: the daemon pushes what its engine raises to a log file, a
/// command and an HTTPS webhook. The webhook is a real TLS endpoint (Python's `ssl`) with a
/// certificate from a CA made for the test (the openssl CLI), trusted through `ca_file`; without
/// it the certificate does not verify and nothing is sent (never a silent downgrade).
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .enabled(if: Ops.python != nil && Ops.openssl != nil, "alert sink tests need python3 and openssl (Debian: python3, openssl)"))
struct AlertSinkDeliveryTests {
    /// A CA, and a server certificate for 127.0.0.1 it signed, in `directory`.
    static func makeCertificates(in directory: TempDirectory) throws {
        let openssl = try #require(Ops.openssl)
        directory.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        let steps: [[String]] = [
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.file("ca.key"), "-out",
             directory.file("ca.pem"), "-days", "2", "-subj", "/CN=jcs test CA"],
            [openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.file("server.key"), "-out",
             directory.file("server.csr"), "-subj", "/CN=127.0.0.1"],
            [openssl, "x509", "-req", "-in", directory.file("server.csr"), "-CA", directory.file("ca.pem"), "-CAkey",
             directory.file("ca.key"), "-CAcreateserial", "-out", directory.file("server.pem"), "-days", "2", "-extfile",
             directory.file("server.ext")],
        ]
        for step in steps {
            let result = Ops.run(step, directory: directory)
            try #require(result.status == 0, "openssl failed: \(step) \(result.err)")
        }
    }

    /// An HTTPS server on 127.0.0.1 that appends `{path, authorization, status, body}` per POST to
    /// `requests.jsonl` and answers the statuses given in turn (the last one from then on).
    static let serverScript = """
        import http.server, json, ssl, sys
        directory, statuses = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
                with open(directory + "/requests.jsonl", "a") as f:
                    f.write(json.dumps({"path": self.path, "authorization": self.headers.get("Authorization"),
                                        "content_type": self.headers.get("Content-Type"), "status": status,
                                        "body": body.decode()}) + "\\n")
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory + "/server.pem", directory + "/server.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        with open(directory + "/port.tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(directory + "/port.tmp", directory + "/port")
        server.serve_forever()
        """

    /// Starts the server; its port.
    static func startServer(in directory: TempDirectory, statuses: String) throws -> (BackgroundProgram, Int) {
        directory.write("server.py", serverScript)
        let server = try BackgroundProgram(
            [try #require(Ops.python), directory.file("server.py"), directory.path, statuses], log: directory.file("server.log"))
        #expect(Ops.wait { directory.read("port") != nil }, "the TLS server did not start: \(directory.read("server.log") ?? "")")
        return (server, try #require(Int(directory.read("port") ?? "")))
    }

    static func requests(_ directory: TempDirectory) -> [JSONValue] {
        (directory.read("requests.jsonl") ?? "").split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    @Test func aViolationReachesTheWebhookOverTLSTheCommandAndTheLog() throws {
        let endpoint = TempDirectory(prefix: "jcs-webhook")
        try Self.makeCertificates(in: endpoint)
        let (server, port) = try Self.startServer(in: endpoint, statuses: "503,200")
        defer { withExtendedLifetime(server) {} }
        let fixture = try DaemonFixture(
            config: [
                "alerts": [
                    "retry": ["attempts": 3, "initial_backoff_ms": 50, "max_backoff_ms": 100],
                    "sinks": [
                        ["type": "webhook", "url": .string("https://127.0.0.1:\(port)/hooks/jcs"),
                         "ca_file": .string(endpoint.file("ca.pem")), "token_file": "DIR/hook.token",
                         "headers": ["X-Team": "ops"]],
                        ["type": "command", "argv": ["/bin/sh", "-c", "cat >> DIR/command-alerts.jsonl; echo >> DIR/command-alerts.jsonl"]],
                        ["type": "log", "path": "DIR/alerts.jsonl"],
                    ],
                ],
            ],
            prepare: { $0.write("hook.token", "s3cr3t-webhook-token-0123456789\n", mode: 0o600) })
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        #expect(fixture.jcs("conversation", "start", "p1", "--id", "c1").status == 0)
        let escape = fixture.jcs(
            "tool", "run", "p1", "fs.read", "--args", #"{"path":"../../etc/hostname"}"#, "--conversation", "c1",
            "--correlation-id", "inc-7")
        #expect(escape.json["reason"]?.stringValue == "policy_denied", "\(escape.json)")

        // The first attempt got 503 and was retried; the second was delivered.
        #expect(Ops.wait { Self.requests(endpoint).count >= 2 }, "webhook requests: \(Self.requests(endpoint)); log: \(fixture.logLines)")
        let requests = Self.requests(endpoint)
        #expect(requests.map { $0["status"]?.intValue } == [503, 200])
        let request = try #require(requests.last)
        #expect(request["path"] == "/hooks/jcs")
        #expect(request["authorization"] == "Bearer s3cr3t-webhook-token-0123456789")
        #expect(request["content_type"] == "application/json")
        let alert = try JSONParser.parse(try #require(request["body"]?.stringValue))
        #expect(alert["rule"] == "sandbox_violation")
        #expect(alert["project_id"] == "p1")
        #expect(alert["severity"] == "page")
        let evidence = alert["evidence"]?[0] ?? .null
        #expect(evidence["conversation_id"] == "c1")
        #expect(evidence["correlation_id"] == "inc-7")
        #expect(evidence["call_id"]?.stringValue?.isEmpty == false, "\(evidence)")
        let firstBody = try JSONParser.parse(try #require(requests.first?["body"]?.stringValue))
        #expect(firstBody == alert, "a retry sends the same alert")

        // The same alert on the command's stdin and in the log file.
        #expect(Ops.wait { fixture.directory.read("command-alerts.jsonl") != nil && fixture.directory.read("alerts.jsonl") != nil })
        for file in ["command-alerts.jsonl", "alerts.jsonl"] {
            let line = try #require(fixture.directory.read(file)?.split(separator: "\n").first)
            #expect(try JSONParser.parse(String(line))["id"] == alert["id"], "\(file)")
        }
        // The failed attempt was logged, without the token.
        let failure = fixture.logLines.first { $0["event"] == "daemon.alert_delivery_failed" }
        #expect(failure?["error"]?.stringValue?.contains("503") == true, "\(fixture.logLines)")
        #expect(!(readTextFile(fixture.daemon.logPath) ?? "").contains("s3cr3t"))
    }

    @Test func withoutTheCAFileTheCertificateIsRefusedAndNothingIsSent() throws {
        let endpoint = TempDirectory(prefix: "jcs-webhook")
        try Self.makeCertificates(in: endpoint)
        let (server, port) = try Self.startServer(in: endpoint, statuses: "200")
        defer { withExtendedLifetime(server) {} }
        let fixture = try DaemonFixture(config: [
            "alerts": ["sinks": [["type": "webhook", "url": .string("https://127.0.0.1:\(port)/hooks/jcs")]]],
        ])
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        _ = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"../outside.txt"}"#)
        #expect(Ops.wait { fixture.logLines.contains { $0["event"] == "daemon.alert_delivery_failed" } }, "\(fixture.logLines)")
        let failure = try #require(fixture.logLines.first { $0["event"] == "daemon.alert_delivery_failed" })
        #expect(failure["error"]?.stringValue?.hasPrefix("tls(") == true, "\(failure)")
        #expect(failure["retryable"] == "false")
        #expect(Self.requests(endpoint).isEmpty, "no request may reach an endpoint whose certificate did not verify")
    }

    @Test func badAlertConfigsNameTheFieldAndTheReason() throws {
        let directory = TempDirectory(prefix: "jcs-alert-config")
        directory.write("open.token", "0123456789abcdef0123\n", mode: 0o644)
        directory.write("not-a-ca.pem", "hello\n")
        let cases: [(JSONValue, String)] = [
            (["alerts": ["sinks": [["type": "log", "bogus": 1]]]], "alerts.sinks[0].bogus: unknown key"),
            (["alerts": ["sinks": [["type": "pager"]]]], "alerts.sinks[0].type: 'pager' is not a sink type"),
            (["alerts": ["sinks": [["type": "webhook", "url": "http://hooks.example.com/x"]]]],
             "alerts.sinks[0].url: 'http://hooks.example.com/x': plain http:// is allowed to a loopback host only"),
            (["alerts": ["sinks": [["type": "webhook", "url": "https://h.example/x", "ca_file": .string(directory.file("nope.pem"))]]]],
             "alerts.sinks[0].ca_file: cannot read"),
            (["alerts": ["sinks": [["type": "webhook", "url": "https://h.example/x", "ca_file": .string(directory.file("not-a-ca.pem"))]]]],
             "alerts.sinks[0].ca_file:"),
            (["alerts": ["sinks": [["type": "webhook", "url": "https://h.example/x", "token_file": .string(directory.file("open.token"))]]]],
             "alerts.sinks[0].token_file: '\(directory.file("open.token"))' is readable by group or others"),
            (["alerts": ["sinks": [["type": "command", "argv": ["page-oncall"]]]]], "alerts.sinks[0].argv[0]: must be an absolute path"),
            (["alerts": ["sinks": [["type": "command", "argv": ["/nonexistent/page"]]]]], "alerts.sinks[0].argv[0]: '/nonexistent/page' is not an executable file"),
            (["alerts": ["queue_capacity": 0, "sinks": []]], "alerts.queue_capacity: must be an integer in 1...100000"),
            (["alerts": ["retry": ["attempts": 3, "delay": 1], "sinks": []]], "alerts.retry.delay: unknown key"),
            (["alerts": [:]], "alerts.sinks: is required"),
        ]
        for (index, (config, expected)) in cases.enumerated() {
            directory.write("config-\(index).json", JSONWriter.text(config))
            let result = runProduct(
                "jcs-coordinator", ["serve", "--config", directory.file("config-\(index).json"), "--check-config"])
            #expect(result.status == 78, "\(config): \(result.err)")
            #expect(result.err.contains(expected), "\(config): expected '\(expected)' in \(result.err)")
        }
        // A good one: --check-config lists the sinks, never the token.
        directory.write("good.token", "0123456789abcdef0123\n", mode: 0o600)
        directory.write("good.json", JSONWriter.text([
            "alerts": ["sinks": [
                ["type": "webhook", "url": "https://hooks.example.com/jcs", "token_file": .string(directory.file("good.token"))],
                ["type": "log"],
            ]],
        ]))
        let good = runProduct("jcs-coordinator", ["serve", "--config", directory.file("good.json"), "--check-config"])
        #expect(good.status == 0, "\(good.err)")
        let summary = try JSONParser.parse(good.out)
        #expect(summary["alerts"]?["sinks"]?[0]?["url"] == "https://hooks.example.com/jcs")
        #expect(summary["alerts"]?["sinks"]?[0]?["header_names"] == ["Authorization"])
        #expect(!good.out.contains("0123456789abcdef"))
    }
}
