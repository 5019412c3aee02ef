import Sandbox
import TestSupport
import Testing

/// The MCP face at the wire: JSON-RPC over the daemon's Streamable HTTP endpoint and over
/// `jcs mcp`'s stdio, against the real daemon. Each error code, sessions, protocol_allowlist.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MCPProtocolTests {
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var body: [UInt8]
        var status: Int
        var code: Int
        var id: JSONValue = .null
        var field: String?
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "truncated JSON", body: Array(#"{"jsonrpc":"2.0","id":1,"method":"#.utf8), status: 400, code: -32700),
        ErrorCase(
            name: "invalid UTF-8", body: Array(#"{"jsonrpc":"2.0","id":1,"method":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8),
            status: 400, code: -32700),
        ErrorCase(name: "empty body", body: [], status: 400, code: -32700),
        ErrorCase(name: "not an object", body: Array("42".utf8), status: 400, code: -32600),
        ErrorCase(name: "batch", body: Array(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#.utf8), status: 400, code: -32600),
        ErrorCase(
            name: "wrong jsonrpc", body: Array(#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#.utf8), status: 400, code: -32600,
            id: 7, field: "jsonrpc"),
        ErrorCase(
            name: "bad id type", body: Array(#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#.utf8), status: 400,
            code: -32600, field: "id"),
        ErrorCase(
            name: "null id", body: Array(#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#.utf8), status: 400, code: -32600,
            field: "id"),
        ErrorCase(
            name: "method not a string", body: Array(#"{"jsonrpc":"2.0","id":3,"method":5}"#.utf8), status: 400,
            code: -32600, id: 3, field: "method"),
        ErrorCase(
            name: "unknown method", body: Array(#"{"jsonrpc":"2.0","id":"a","method":"resources/subscribe"}"#.utf8), status: 200,
            code: -32601, id: "a"),
        ErrorCase(
            name: "params not an object", body: Array(#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":[1]}"#.utf8),
            status: 200, code: -32602, id: 4, field: "params"),
        ErrorCase(
            name: "initialize without protocolVersion",
            body: Array(#"{"jsonrpc":"2.0","id":5,"method":"initialize","params":{"capabilities":{}}}"#.utf8), status: 200,
            code: -32602, id: 5, field: "protocolVersion"),
        ErrorCase(
            name: "tools/call without name",
            body: Array(#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"arguments":{}}}"#.utf8), status: 200,
            code: -32602, id: 6, field: "name"),
        ErrorCase(
            name: "tools/call arguments not an object",
            body: Array(#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"fs.read","arguments":"x"}}"#.utf8),
            status: 200, code: -32602, id: 8, field: "arguments"),
        ErrorCase(
            name: "tools/call bad correlation id",
            body: Array(
                #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"fs.read","arguments":{"path":"hello.txt"},"_meta":{"correlation_id":5}}}"#
                    .utf8),
            status: 200, code: -32602, id: 9, field: "_meta.correlation_id"),
        ErrorCase(
            name: "huge message", body: [UInt8](repeating: UInt8(ascii: " "), count: 3 << 20), status: 413, code: -32600),
    ]

    @Test func eachMalformedMessageGetsItsJSONRPCErrorAndTheDaemonKeepsServing() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        for item in Self.errorCases {
            let answer = try #require(endpoint.post(item.body), "\(item.name): no answer")
            #expect(answer.status == item.status, "\(item.name)")
            #expect(answer.headers["content-type"] == "application/json", "\(item.name)")
            #expect(answer.json["jsonrpc"]?.stringValue == "2.0", "\(item.name): \(answer.json)")
            #expect(answer.json["error"]?["code"]?.intValue == item.code, "\(item.name): \(answer.json)")
            #expect(answer.json["error"]?["message"]?.stringValue?.isEmpty == false, "\(item.name)")
            #expect(answer.json["id"] == item.id, "\(item.name): \(answer.json)")
            #expect(answer.json["error"]?["data"]?["field"]?.stringValue == item.field, "\(item.name): \(answer.json)")
            if let field = item.field, item.code == -32602 {
                #expect(answer.json["error"]?["message"]?.stringValue?.contains(field) == true, "\(item.name)")
            }
            let ping = try #require(endpoint.request(1, "ping"), "\(item.name): the daemon stopped serving")
            #expect(ping.json["result"] == [:], "\(item.name)")
        }
    }

    @Test func notificationsAndResponsesAreAcceptedWithoutAnAnswer() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        for message in [
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#,
            #"{"jsonrpc":"2.0","method":"no/such/notification"}"#,
            #"{"jsonrpc":"2.0","id":12,"result":{}}"#,
        ] {
            let answer = try #require(endpoint.post(message))
            #expect(answer.status == 202, "\(message)")
            #expect(answer.body.isEmpty, "\(message)")
        }
        // GET is the session's notification stream: without asking for SSE it is 406, without a
        // session 400 (`MCPStreamingTests` opens one).
        let get = try #require(RawHTTP.send(socket: fixture.daemon.socketPath, method: "GET", target: endpoint.target, body: []))
        #expect(get.status == 406)
        #expect(get.json["error"]?["data"]?["field"]?.stringValue == "Accept")
        let unknown = try #require(MCPEndpoint(socket: fixture.daemon.socketPath, project: "nope").request(1, "tools/list"))
        #expect(unknown.status == 200)
        #expect(unknown.json["error"]?["code"]?.intValue == -32002)
        #expect(unknown.json["error"]?["data"]?["error"]?.stringValue == "unknown_project")
    }

    @Test func initializeNegotiatesAndListsTheCatalog() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        for (asked, answered) in [
            ("2025-06-18", "2025-06-18"), ("2025-03-26", "2025-03-26"), ("2024-11-05", "2024-11-05"),
            ("2099-01-01", "2025-06-18"),
        ] {
            let answer = try #require(endpoint.request(1, "initialize", ["protocolVersion": .string(asked), "capabilities": [:]]))
            #expect(answer.status == 200)
            let result = try #require(answer.json["result"], "\(answer.json)")
            #expect(result["protocolVersion"]?.stringValue == answered, "\(asked)")
            #expect(
                result["capabilities"]
                    == [
                        "tools": ["listChanged": true], "prompts": ["listChanged": true],
                        "resources": ["listChanged": true, "subscribe": false],
                    ])
            #expect(result["serverInfo"]?["name"]?.stringValue == "jcs")
            #expect(answer.headers["mcp-session-id"]?.count == 32)
        }
        // Stateless: no initialize, no session, still answered.
        let list = try #require(endpoint.request(2, "tools/list"))
        let tools = list.json["result"]?["tools"]?.arrayValue ?? []
        let read = try #require(tools.first { $0["name"]?.stringValue == "fs.read" }, "\(list.json)")
        #expect(read["inputSchema"]?["required"] == ["path"])
        #expect(read["description"]?.stringValue?.isEmpty == false)
        #expect(tools.map { $0["name"]?.stringValue ?? "" } == tools.map { $0["name"]?.stringValue ?? "" }.sorted())
    }

    @Test func sessionsAreIssuedCheckedAndEnded() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        #expect(fixture.startMCPProject("p2").status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        let session = try #require(endpoint.initialize())
        #expect(endpoint.request(1, "ping", session: session)?.status == 200)

        // A tool call in the session: correlation id from the session and the request id.
        let call = try #require(
            endpoint.request(41, "tools/call", ["name": "fs.read", "arguments": ["path": "hello.txt"]], session: session))
        let result = try #require(call.json["result"], "\(call.json)")
        #expect(result["isError"] == false)
        #expect(result["content"]?[0]?["type"]?.stringValue == "text")
        #expect(result["content"]?[0]?["text"]?.stringValue == MCPFixtureText.hello)
        #expect(result["structuredContent"]?["status"]?.stringValue == "completed")
        #expect(result["structuredContent"]?["correlation_id"]?.stringValue == "mcp-\(session.prefix(16))-41")
        let tagged = try #require(
            endpoint.request(
                42, "tools/call",
                ["name": "fs.read", "arguments": ["path": "hello.txt"], "_meta": ["correlation_id": "req-mcp-1"]],
                session: session))
        #expect(tagged.json["result"]?["structuredContent"]?["correlation_id"]?.stringValue == "req-mcp-1")
        // A program that ran and failed completed: not isError, but its stderr and status are in the text.
        let shell = try #require(
            endpoint.request(
                43, "tools/call",
                ["name": "shell.run", "arguments": ["argv": ["sh", "-c", "echo out; echo err >&2; exit 3"]]], session: session))
        #expect(shell.json["result"]?["isError"] == false, "\(shell.json)")
        #expect(shell.json["result"]?["content"]?[0]?["text"]?.stringValue == "out\n[stderr]\nerr\n[exit code 3]", "\(shell.json)")
        #expect(shell.json["result"]?["structuredContent"]?["output"]?["exit_code"] == 3)

        // Unknown ids, another project's id and an unsupported revision header are refused.
        let unknown = try #require(endpoint.request(2, "ping", session: "0123456789abcdef0123456789abcdef"))
        #expect(unknown.status == 404)
        #expect(unknown.json["error"]?["code"]?.intValue == -32600)
        #expect(unknown.json["id"] == 2)
        #expect(MCPEndpoint(socket: fixture.daemon.socketPath, project: "p2").request(3, "ping", session: session)?.status == 404)
        let version = try #require(
            endpoint.post(#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#, session: session, headers: [("MCP-Protocol-Version", "1999-01-01")]))
        #expect(version.status == 400)
        #expect(version.json["error"]?["data"]?["field"]?.stringValue == "MCP-Protocol-Version")
        #expect(
            endpoint.post(#"{"jsonrpc":"2.0","id":5,"method":"ping"}"#, session: session, headers: [("MCP-Protocol-Version", "2025-06-18")])?
                .status == 200)

        // DELETE ends it; the id is then unknown.
        let delete = { (id: String?) in
            RawHTTP.send(
                socket: fixture.daemon.socketPath, method: "DELETE", target: endpoint.target,
                headers: id.map { [("Mcp-Session-Id", $0)] } ?? [], body: [])
        }
        #expect(delete(nil)?.status == 400)
        #expect(delete(session)?.status == 204)
        #expect(delete(session)?.status == 404)
        #expect(endpoint.request(6, "ping", session: session)?.status == 404)
    }

    @Test func aProjectWithoutMCPInItsAllowlistRefusesListingAndCalls() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("closed", options: [#"protocol_allowlist=["cli","http"]"#]).status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "closed")
        let session = try #require(endpoint.initialize())

        let list = try #require(endpoint.request(1, "tools/list", session: session))
        #expect(list.status == 200)
        #expect(list.json["error"]?["code"]?.intValue == -32001, "\(list.json)")
        #expect(list.json["error"]?["message"]?.stringValue?.contains("protocol_allowlist") == true)
        #expect(list.json["error"]?["data"]?["protocol"]?.stringValue == "mcp")

        // The call is refused by the gate, as a tool result: never a JSON-RPC error.
        let call = try #require(endpoint.request(2, "tools/call", ["name": "fs.read", "arguments": ["path": "hello.txt"]], session: session))
        #expect(call.json["error"] == nil, "\(call.json)")
        let result = try #require(call.json["result"], "\(call.json)")
        #expect(result["isError"] == true)
        #expect(result["structuredContent"]?["reason"]?.stringValue == "policy_denied")
        #expect(result["structuredContent"]?["reason_codes"]?.arrayValue?.contains("protocol_denied") == true, "\(result)")
        #expect(result["content"]?[0]?["text"]?.stringValue?.contains("protocol_denied") == true)

        // The listing refusal is recorded as the security event the runbook triages.
        let events = fixture.jcs("events", "closed").json["events"]?.arrayValue ?? []
        let denied = events.filter { $0["event"]?.stringValue == "security.protocol_denied" }
        #expect(denied.contains { $0["payload"]?["method"]?.stringValue == "tools/list" && $0["payload"]?["protocol"]?.stringValue == "mcp" },
                "\(events)")

        // The CLI, which the allowlist names, still gets through.
        let cli = fixture.jcs("tool", "run", "closed", "fs.read", "--args", #"{"path":"hello.txt"}"#)
        #expect(cli.json["status"]?.stringValue == "completed", "\(cli.json)")
    }

    @Test func jcsMCPBridgesStdioLineByLine() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1", options: [#"deny_tools=["shell.run"]"#]).status == 0)
        let input = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            "",
            #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fs.read","arguments":{"path":"hello.txt"}}}"#,
            #"{"jsonrpc":"2.0","id":"four","method":"tools/call","params":{"name":"shell.run","arguments":{"argv":["true"]}}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"#,
            #"{"jsonrpc":"2.0","id":6,"method":"ping"}"#,
        ].joined(separator: "\n") + "\n"
        let r = runProduct("jcs", ["mcp", "--project", "p1", "--socket", fixture.daemon.socketPath], stdin: input)
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let parsed = lines.map { (try? JSONParser.parse($0)) ?? .null }
        try #require(parsed.count == 6, "\(r.out)\n\(r.err)")
        // `tools/call`s answer from threads of their own, so answers are matched by id (as
        // JSON-RPC clients do), not by position; everything else keeps its order.
        var answers: [String: JSONValue] = [:]
        for answer in parsed { answers[answer["id"].map { "\($0)" } ?? "absent"] = answer }
        #expect(parsed[0]["id"] == 1)
        #expect(parsed[0]["result"]?["protocolVersion"]?.stringValue == "2025-06-18")
        #expect(answers["2"]?["result"]?["tools"]?.arrayValue?.contains { $0["name"]?.stringValue == "fs.read" } == true)
        let read = answers["3"]
        #expect(read?["result"]?["content"]?[0]?["text"]?.stringValue == MCPFixtureText.hello)
        // The correlation id carries the session the bridge kept from initialize.
        #expect(read?["result"]?["structuredContent"]?["correlation_id"]?.stringValue?.hasPrefix("mcp-") == true)
        #expect(read?["result"]?["structuredContent"]?["correlation_id"]?.stringValue?.hasSuffix("-3") == true)
        let denied = answers[#""four""#]
        #expect(denied?["result"]?["isError"] == true, "\(answers)")
        #expect(denied?["result"]?["structuredContent"]?["reason"]?.stringValue == "policy_denied")
        #expect(answers["null"]?["error"]?["code"]?.intValue == -32700)
        #expect(answers["6"]?["result"] == [:])
        #expect(r.err.isEmpty, "\(r.err)")
    }

    @Test func jcsMCPOutlivesADaemonRestart() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        let (bridge, initialized) = try fixture.startMCPBridge(project: "p1")
        #expect(initialized["result"]?["protocolVersion"]?.stringValue == "2025-06-18")
        bridge.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)

        // Down: each request is answered for the daemon, and the bridge keeps reading.
        #expect(fixture.daemon.stop() == 0)
        bridge.send(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#)
        let down = try JSONParser.parse(try #require(bridge.readLine(), "no answer while the daemon is down"))
        #expect(down["id"] == 2)
        #expect(down["error"]?["code"]?.intValue == -32000)

        // Up again, without the session it issued: the bridge drops the session and goes on.
        try fixture.daemon.start()
        bridge.send(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fs.read","arguments":{"path":"hello.txt"}}}"#)
        let up = try JSONParser.parse(try #require(bridge.readLine(), "no answer after the restart"))
        #expect(up["id"] == 3)
        #expect(up["result"]?["content"]?[0]?["text"]?.stringValue == MCPFixtureText.hello, "\(up)")
        #expect(bridge.finish() == 0)
        let diagnostics = readTextFile(bridge.errPath) ?? ""
        #expect(diagnostics.contains("daemon unreachable"))
        #expect(diagnostics.contains("no longer knows session"))
    }

    @Test func sessionsAreBoundedOldestFirst() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        let oldest = try #require(endpoint.initialize())
        let second = try #require(endpoint.initialize())
        var newest = second
        for _ in 0..<63 { newest = try #require(endpoint.initialize()) }
        // 65 issued on one project, whose budget (limits.max_mcp_sessions_per_project) is 64:
        // only the first, idle, is gone.
        #expect(endpoint.request(1, "ping", session: oldest)?.status == 404)
        #expect(endpoint.request(2, "ping", session: second)?.status == 200)
        #expect(endpoint.request(3, "ping", session: newest)?.status == 200)
    }

    @Test func jcsMCPAnswersEachRequestWhenTheDaemonIsUnreachable() {
        let directory = TempDirectory()
        let socket = directory.file("absent.sock")
        let input = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":"two","method":"tools/list"}"#,
        ].joined(separator: "\n") + "\n"
        let r = runProduct("jcs", ["mcp", "--project", "p1", "--socket", socket], stdin: input)
        #expect(r.status == 0)
        let answers = r.out.split(separator: "\n").map { (try? JSONParser.parse(String($0))) ?? .null }
        #expect(answers.count == 2, "\(r.out)")
        #expect(answers.first?["id"] == 1)
        #expect(answers.last?["id"] == "two")
        for answer in answers {
            #expect(answer["error"]?["code"]?.intValue == -32000)
            #expect(answer["error"]?["message"]?.stringValue?.contains("daemon unreachable at \(socket)") == true)
        }
        #expect(r.err.contains("daemon unreachable"))
    }

    @Test func jcsMCPHelpHasAnExample() {
        let r = runProduct("jcs", ["mcp", "--help"])
        #expect(r.status == 0)
        #expect(r.out.contains("EXAMPLE"))
        #expect(r.out.contains("jcs mcp --project"))
        #expect(r.out.contains("--socket"))
    }
}
