#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// The MCP face driven by a real third-party client, the official MCP Python SDK
/// (`Tests/MCPClients/`), over both transports: `jcs mcp` spawned as a stdio server, and the
/// daemon's Streamable HTTP endpoint over its Unix socket. The scripts assert as they go and
/// print one JSON summary line, which is asserted on here too.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MCPClientTests {
    /// `$JCS_MCP_PYTHON`, else the virtualenv `scripts/setup` creates.
    static let python: String =
        DaemonSocketEnvironment.value("JCS_MCP_PYTHON") ?? Probe.repositoryRoot + "/.build-venv/mcp/bin/python"
    static let clients = Probe.repositoryRoot + "/Tests/MCPClients"

    @Test(arguments: ["stdio", "http"])
    func theMCPPythonSDKInitializesListsAndCallsTools(_ transport: String) throws {
        // Missing on purpose is a failure, never a skip: CI runs scripts/setup, so a missing SDK
        // means the setup is broken, and a skipped client test would hide exactly that.
        try #require(
            access(Self.python, X_OK) == 0,
            "the MCP Python SDK's virtualenv is missing at \(Self.python): run scripts/setup (or set JCS_MCP_PYTHON)")
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        var args = [
            "/usr/bin/timeout", "120", Self.python, "\(Self.clients)/\(transport)_client.py",
            "--socket", fixture.daemon.socketPath, "--project", "p1", "--file", "hello.txt",
            "--content", MCPFixtureText.hello, "--correlation-id", "sdk-\(transport)-1",
        ]
        if transport == "stdio" { args += ["--jcs", BuiltProducts.path("jcs")] }
        let r = runProgram(args)
        try #require(r.status == 0, "the \(transport) client failed (\(r.status)):\n\(r.out)\n\(r.err)")
        let line = r.out.split(separator: "\n").last.map(String.init) ?? ""
        let summary = try JSONParser.parse(line)
        #expect(summary["transport"]?.stringValue == transport)
        #expect(summary["server_name"]?.stringValue == "jcs")
        #expect(["2025-06-18", "2025-03-26", "2024-11-05"].contains(summary["protocol_version"]?.stringValue ?? ""))
        let tools = summary["tools"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(tools.contains("fs.read"))
        #expect(tools.contains("shell.run"))
        #expect(summary["read"]?["is_error"] == false)
        #expect(summary["read"]?["text"]?.stringValue == MCPFixtureText.hello)
        #expect(summary["denied"]?["is_error"] == true)
        #expect(summary["denied"]?["reason"]?.stringValue == "policy_denied")
        #expect(summary["denied"]?["text"]?.stringValue?.contains("policy_denied") == true)
        #expect(summary["unknown"]?["is_error"] == true)
        #expect(summary["unknown"]?["reason"]?.stringValue == "unknown_tool")
        if transport == "http" { #expect(summary["session_id"]?.stringValue?.count == 32) }

        // The call went through the one gate with gateway mcp and was recorded under the
        // client's correlation id.
        let events = fixture.jcs("events", "p1").json["events"]?.arrayValue ?? []
        #expect(events.contains { $0["correlation_id"]?.stringValue == "sdk-\(transport)-1" }, "\(events)")
    }
}

extension MCPClientTests {
    /// The same SDK client against the TCP listener: a remote agent with a bearer token scoped to
    /// its project. The SDK sends the token on every request of the session.
    @Test func theMCPPythonSDKWorksOverTCPWithAScopedBearerToken() throws {
        try #require(
            access(Self.python, X_OK) == 0,
            "the MCP Python SDK's virtualenv is missing at \(Self.python): run scripts/setup (or set JCS_MCP_PYTHON)")
        let secret = "agent-secret-5f0c2b9e8d7a6"
        let config: JSONValue = [
            "tcp": [
                "listen": "127.0.0.1:0",
                "tokens": [["name": "agent", "sha256": .string(SHA256.hexDigest(Array(secret.utf8))), "projects": ["p1"]]],
            ]
        ]
        let fixture = try DaemonFixture(config: config)
        let port = try fixture.tcpPort()
        #expect(fixture.startMCPProject("p1").status == 0)
        let r = runProgram([
            "/usr/bin/timeout", "120", Self.python, "\(Self.clients)/http_client.py",
            "--url", "http://127.0.0.1:\(port)/v1/projects/p1/mcp", "--token", secret, "--project", "p1",
            "--file", "hello.txt", "--content", MCPFixtureText.hello, "--correlation-id", "sdk-tcp-1",
        ])
        try #require(r.status == 0, "the TCP client failed (\(r.status)):\n\(r.out)\n\(r.err)")
        let summary = try JSONParser.parse(r.out.split(separator: "\n").last.map(String.init) ?? "")
        #expect(summary["read"]?["text"]?.stringValue == MCPFixtureText.hello)
        #expect(summary["denied"]?["is_error"] == true)
        // The same client with the wrong token never gets a session.
        let refused = runProgram([
            "/usr/bin/timeout", "120", Self.python, "\(Self.clients)/http_client.py",
            "--url", "http://127.0.0.1:\(port)/v1/projects/p1/mcp", "--token", "wrong-token", "--project", "p1",
            "--file", "hello.txt", "--content", MCPFixtureText.hello, "--correlation-id", "sdk-tcp-2",
        ])
        #expect(refused.status != 0)
        #expect(fixture.logLines.contains { $0["event"]?.stringValue == "daemon.tcp_denied" })
    }
}

enum DaemonSocketEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let text = String(cString: raw)
        return text.isEmpty ? nil : text
    }
}

/// Runs argv (absolute path first) with stdin from /dev/null; status (128+N for signal N) and output.
func runProgram(_ argv: [String]) -> (status: Int32, out: String, err: String) {
    let directory = TempDirectory(prefix: "jcs-mcp-client")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, directory.file("out"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, directory.file("err"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], &actions, nil, cargs, environ) == 0 else { return (-1, "", "posix_spawn failed") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, directory.read("out") ?? "", directory.read("err") ?? "")
}
