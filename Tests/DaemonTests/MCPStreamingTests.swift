#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// What the MCP face streams and serves beyond tools, against the real daemon: SSE answers to
/// `tools/call`, progress notifications, the session's GET stream of `*/list_changed` after a
/// reload, skills as prompts and assets as resources; driven by the official MCP Python SDK over
/// both transports, and by raw HTTP for the hostile inputs an SDK would never send.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MCPStreamingTests {
    static let skill = "---\nname: greet\ndescription: greets the user\n---\nSay hello politely.\n"

    /// Project `id` with the skill `greet` in `.jido/skills/`.
    static func startProject(_ fixture: DaemonFixture, _ id: String, options: [String] = []) -> Bool {
        _ = system2(["/bin/mkdir", "-p", fixture.directory.file("\(id)/.jido/skills")])
        fixture.directory.write("\(id)/.jido/skills/greet.md", skill)
        return fixture.startMCPProject(id, options: options).status == 0
    }

    @Test(arguments: ["http", "stdio"])
    func theSDKGetsPromptsResourcesProgressAndListChanged(_ transport: String) throws {
        try #require(
            access(MCPClientTests.python, X_OK) == 0,
            "the MCP Python SDK's virtualenv is missing at \(MCPClientTests.python): run scripts/setup (or set JCS_MCP_PYTHON)")
        let fixture = try DaemonFixture()
        #expect(Self.startProject(fixture, "p1"))
        let r = runProgram([
            "/usr/bin/timeout", "120", MCPClientTests.python, "\(MCPClientTests.clients)/streaming_client.py",
            "--transport", transport, "--socket", fixture.daemon.socketPath, "--project", "p1",
            "--root", fixture.directory.file("p1"), "--jcs", BuiltProducts.path("jcs"),
        ])
        try #require(r.status == 0, "the \(transport) client failed (\(r.status)):\n\(r.out)\n\(r.err)")
        let summary = try JSONParser.parse(r.out.split(separator: "\n").last.map(String.init) ?? "")

        // Skills as prompts, read from the asset snapshot; a prompt takes no arguments.
        #expect(summary["prompts"] == ["greet"])
        #expect(summary["prompt_text"]?.stringValue == "Say hello politely.\n")
        #expect(summary["prompt_with_argument"]?["code"]?.intValue == -32602)
        #expect(summary["prompt_with_argument"]?["data"]?["field"]?.stringValue == "arguments.tone")

        // Assets as resources under a stable URI; hostile URIs are refused by name.
        #expect(summary["resources"]?.arrayValue?.contains("jcs://project/p1/skills/greet") == true)
        #expect(summary["resource_text"]?.stringValue == "Say hello politely.\n")
        let hostile = summary["hostile"]
        for name in ["dotdot", "control", "other_project", "scheme"] {
            #expect(hostile?[name]?["code"]?.intValue == -32602, "\(name): \(hostile?[name] ?? .null)")
            #expect(hostile?[name]?["data"]?["field"]?.stringValue == "uri", "\(name)")
        }
        #expect(hostile?["other_project"]?["message"]?.stringValue?.contains("someone-else") == true)
        #expect(hostile?["unknown"]?["code"]?.intValue == -32002)

        // Progress while the call ran: started, output as it came (the tool sleeps between
        // lines, longer than the rate limit), done; strictly increasing, done at progress == total.
        #expect(summary["call_text"]?.stringValue == "one\ntwo\nthree\n")
        let progress = summary["progress"]?.arrayValue ?? []
        let values = progress.compactMap { $0["progress"]?.doubleValue }
        #expect(values.count == progress.count)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(progress)")
        #expect(progress.first?["message"]?.stringValue == "started shell.run", "\(progress)")
        #expect(progress.last?["message"]?.stringValue?.hasPrefix("done: completed") == true, "\(progress)")
        #expect(progress.last?["total"] == progress.last?["progress"], "\(progress)")
        let during = progress.filter { $0["message"]?.stringValue?.hasSuffix("bytes of output") == true }
        #expect(during.count >= 2, "output progress while the call slept: \(progress)")

        // list_changed reached the connected session after the reload, and re-listing shows it.
        #expect(
            summary["list_changed"]
                == [
                    "notifications/prompts/list_changed", "notifications/resources/list_changed",
                    "notifications/tools/list_changed",
                ])
        #expect(summary["relisted_prompts"] == ["added", "greet"])
        #expect(summary["relisted_resources"]?.arrayValue?.contains("jcs://project/p1/skills/added") == true)

        if transport == "http" {
            #expect(summary["raw"]?["content_type"]?.stringValue?.hasPrefix("text/event-stream") == true)
            #expect(summary["raw"]?["events"]?.arrayValue?.last == "result")
        }
    }
}

extension MCPStreamingTests {
    /// Hostile resource URIs and progress tokens as raw JSON-RPC: what no SDK would send.
    @Test func hostileURIsAndProgressTokensAreClearErrors() throws {
        let fixture = try DaemonFixture()
        #expect(Self.startProject(fixture, "p1"))
        #expect(Self.startProject(fixture, "p2"))
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        let refused: [(String, String)] = [
            (#""jcs://project/p1/skills/..""#, "'.' or '..'"),
            (#""jcs://project/p1/skills/%2e%2e""#, "'.' or '..'"),
            (#""jcs://project/p1/../p2/skills/greet""#, "three segments"),
            (#""jcs://project/p1/skills/gr\u0001eet""#, "control character"),
            (#""jcs://project/p1/skills/gr%00eet""#, "control character"),
            (#""jcs://project/p1/skills/%zz""#, "percent-escape"),
            (#""jcs://project/p2/skills/greet""#, "names project 'p2'"),
            (#""jcs://project/p1/secrets/greet""#, "no asset kind"),
            (#""file:///etc/passwd""#, "must start with"),
            ("42", "must be a string"),
        ]
        for (uri, reason) in refused {
            let answer = try #require(endpoint.post(#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":\#(uri)}}"#))
            #expect(answer.status == 200)
            #expect(answer.json["error"]?["code"]?.intValue == -32602, "\(uri): \(answer.json)")
            #expect(answer.json["error"]?["data"]?["field"]?.stringValue == "uri", "\(uri)")
            #expect(answer.json["error"]?["message"]?.stringValue?.contains(reason) == true, "\(uri): \(answer.json)")
            #expect(answer.json["result"] == nil, "\(uri) must not be read")
        }
        let long = String(repeating: "a", count: 2000)
        let tooLong = try #require(endpoint.request(4, "resources/read", ["uri": .string("jcs://project/p1/skills/\(long)")]))
        #expect(tooLong.json["error"]?["code"]?.intValue == -32602)
        let missing = try #require(endpoint.request(5, "resources/read", ["uri": "jcs://project/p1/skills/nope"]))
        #expect(missing.json["error"]?["code"]?.intValue == -32002)
        let read = try #require(endpoint.request(6, "resources/read", ["uri": "jcs://project/p1/skills/greet"]))
        #expect(read.json["result"]?["contents"]?[0]?["text"]?.stringValue == "Say hello politely.\n", "\(read.json)")

        // Answered as JSON, or as the one event of an SSE answer when the client accepts SSE.
        for (token, accept) in [(#"{"a":1}"#, "application/json"), ("1.5", "text/event-stream"), ("true", "application/json"), ("[1]", "text/event-stream")] {
            let answer = try #require(endpoint.post(
                #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fs.read","arguments":{"path":"hello.txt"},"_meta":{"progressToken":\#(token)}}}"#,
                headers: [("Accept", accept)]))
            #expect(answer.status == 200)
            let message = accept == "application/json" ? answer.json : try Self.onlyEvent(answer)
            #expect(message["error"]?["code"]?.intValue == -32602, "\(token): \(message)")
            #expect(message["error"]?["data"]?["field"]?.stringValue == "_meta.progressToken", "\(token)")
            #expect(message["id"]?.intValue == 7)
        }
        let unknownPrompt = try #require(endpoint.request(8, "prompts/get", ["name": "nope"]))
        #expect(unknownPrompt.json["error"]?["code"]?.intValue == -32602)
        #expect(unknownPrompt.json["error"]?["data"]?["field"]?.stringValue == "name")

        // A project that does not allow mcp lists neither prompts nor resources.
        #expect(Self.startProject(fixture, "closed", options: [#"protocol_allowlist=["cli","http"]"#]))
        let closed = MCPEndpoint(socket: fixture.daemon.socketPath, project: "closed")
        for method in ["prompts/list", "resources/list"] {
            let answer = try #require(closed.request(9, method))
            #expect(answer.json["error"]?["code"]?.intValue == -32001, "\(method): \(answer.json)")
        }
        let closedRead = try #require(closed.request(10, "resources/read", ["uri": "jcs://project/closed/skills/greet"]))
        #expect(closedRead.json["error"]?["code"]?.intValue == -32001)
    }

    /// The GET stream: refused clearly without SSE or a session, opened for a session, hears
    /// list_changed on a reload, and ends when the session does (DELETE) or is evicted.
    @Test func theSessionStreamCarriesListChangedAndEndsWithTheSession() throws {
        let fixture = try DaemonFixture()
        #expect(Self.startProject(fixture, "p1"))
        let socket = fixture.daemon.socketPath
        let endpoint = MCPEndpoint(socket: socket, project: "p1")
        let sse = [("Accept", "text/event-stream")]
        let noSession = try #require(RawHTTP.send(socket: socket, method: "GET", target: endpoint.target, headers: sse, body: []))
        #expect(noSession.status == 400)
        #expect(noSession.json["error"]?["data"]?["field"]?.stringValue == "Mcp-Session-Id")
        let unknown = try #require(RawHTTP.send(
            socket: socket, method: "GET", target: endpoint.target, headers: sse + [("Mcp-Session-Id", "0123")], body: []))
        #expect(unknown.status == 404)
        let session = try #require(endpoint.initialize())
        // Another project's endpoint does not know this session.
        #expect(Self.startProject(fixture, "p2"))
        let crossed = try #require(RawHTTP.send(
            socket: socket, method: "GET", target: "/v1/projects/p2/mcp", headers: sse + [("Mcp-Session-Id", session)], body: []))
        #expect(crossed.status == 404)

        let stream = try #require(Self.openStream(socket: socket, project: "p1", session: session))
        #expect(stream.read(until: Array("text/event-stream".utf8), seconds: 10), "\(stream.text)")
        #expect(fixture.jcs("reload-assets", "p1").status == 0)
        #expect(stream.read(until: Array("notifications/resources/list_changed".utf8), seconds: 10), "\(stream.text)")
        #expect(stream.text.contains("event: message\ndata: {"), "\(stream.text)")
        #expect(stream.text.contains("notifications/tools/list_changed"))
        #expect(stream.text.contains("notifications/prompts/list_changed"))
        // Another project's reload says nothing to this session.
        let before = stream.text.count
        #expect(fixture.jcs("reload-assets", "p2").status == 0)
        #expect(!stream.read(until: Array("never".utf8), seconds: 1.5))
        #expect(stream.text.count == before, "\(stream.text)")

        let ended = try #require(RawHTTP.send(
            socket: socket, method: "DELETE", target: endpoint.target, headers: [("Mcp-Session-Id", session)], body: []))
        #expect(ended.status == 204)
        #expect(stream.read(until: Self.endOfBody, seconds: 10), "the stream outlived its session: \(stream.text)")

        // An evicted session's stream ends too: the per-project budget (64) pushes it out.
        let victim = try #require(endpoint.initialize())
        let victimStream = try #require(Self.openStream(socket: socket, project: "p1", session: victim))
        #expect(victimStream.read(until: Array("text/event-stream".utf8), seconds: 10))
        for _ in 0..<70 { _ = endpoint.initialize() }
        #expect(victimStream.read(until: Self.endOfBody, seconds: 10), "an evicted session kept its stream")
    }

    /// Clients that open their stream and never read a byte: many of them, through bursts of
    /// reloads. Nothing waits for them: every reload and every other client is answered at once,
    /// and the daemon's memory stays bounded.
    @Test func readersThatNeverReadBlockNothing() throws {
        let fixture = try DaemonFixture()
        #expect(Self.startProject(fixture, "p1"))
        let socket = fixture.daemon.socketPath
        let endpoint = MCPEndpoint(socket: socket, project: "p1")
        var silent: [RawConnection] = []
        for _ in 0..<60 {
            guard let session = endpoint.initialize(), let stream = Self.openStream(socket: socket, project: "p1", session: session)
            else { continue }
            silent.append(stream)
        }
        #expect(silent.count == 60)
        let started = Monotonic.now()
        for _ in 0..<40 {
            let answer = RawHTTP.send(
                socket: socket, method: "POST", target: "/v1/projects/p1/assets/reload",
                headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
            #expect(answer?.status == 200, "\(answer?.json ?? .null)")
        }
        let list = try #require(endpoint.request(1, "tools/list"))
        #expect(list.json["result"]?["tools"]?.arrayValue?.isEmpty == false)
        #expect(Monotonic.now() - started < 60, "reloads waited for readers that never read")
        silent.forEach { $0.close() }
        #expect(fixture.jcs("project", "list").status == 0)
    }

    /// The last chunk of a chunked body: the response is over (the connection may stay open).
    static let endOfBody = Array("\r\n0\r\n\r\n".utf8)

    /// The one `event: message` of an SSE answer, parsed.
    static func onlyEvent(_ answer: RawHTTP.Answer) throws -> JSONValue {
        #expect(answer.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        let text = String(decoding: answer.body, as: UTF8.self)
        let events = text.split(separator: "\n\n").filter { $0.hasPrefix("event: message\ndata: ") }
        #expect(events.count == 1, "\(text)")
        return try JSONParser.parse(String(events.first?.dropFirst("event: message\ndata: ".count) ?? ""))
    }

    /// A GET stream for `session`, its request sent; the caller reads (or does not).
    static func openStream(socket: String, project: String, session: String) -> RawConnection? {
        guard let connection = RawConnection.unix(socket) else { return nil }
        let request =
            "GET /v1/projects/\(project)/mcp HTTP/1.1\r\nHost: jcs\r\nAccept: text/event-stream\r\nMcp-Session-Id: \(session)\r\n\r\n"
        return connection.send(request) ? connection : nil
    }
}

extension MCPStreamingTests {
    /// One reader that never reads, through hundreds of reloads: once the socket's and the
    /// connection's buffers are full, its stream keeps only its newest 64 notifications and drops
    /// the oldest, counted, and says so once when the stream ends (`mcp.stream_dropped`).
    @Test func aReaderThatNeverReadsLosesTheOldestNotificationsCounted() throws {
        let fixture = try DaemonFixture()
        #expect(Self.startProject(fixture, "p1"))
        let socket = fixture.daemon.socketPath
        let endpoint = MCPEndpoint(socket: socket, project: "p1")
        let session = try #require(endpoint.initialize())
        let silent = try #require(Self.openStream(socket: socket, project: "p1", session: session))
        let reload = Array("{}".utf8)
        for _ in 0..<900 {
            let answer = RawHTTP.send(
                socket: socket, method: "POST", target: "/v1/projects/p1/assets/reload",
                headers: [("Content-Type", "application/json")], body: reload)
            try #require(answer?.status == 200, "\(answer?.json ?? .null)")
        }
        silent.close()
        var line: JSONValue?
        for _ in 0..<100 {
            line = fixture.logLines.first { $0["event"]?.stringValue == "mcp.stream_dropped" }
            if line != nil { break }
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            nanosleep(&pause, nil)
        }
        let dropped = try #require(line, "no mcp.stream_dropped after 900 reloads to a reader that never read")
        #expect(dropped["reason"]?.stringValue == "slow_reader")
        #expect(dropped["stream"]?.stringValue == "notifications")
        #expect(Int(dropped["dropped"]?.stringValue ?? "") ?? 0 > 0, "\(dropped)")
        #expect(dropped["buffer"]?.stringValue == "64")
    }
}

extension MCPStreamingTests {
    /// SIGTERM with sessions listening on their GET streams: the streams end on the shutdown
    /// signal itself and the daemon exits 0 well inside its grace period, not at its deadline.
    @Test func shutdownEndsTheSessionStreams() throws {
        let fixture = try DaemonFixture()
        #expect(Self.startProject(fixture, "p1"))
        let socket = fixture.daemon.socketPath
        let endpoint = MCPEndpoint(socket: socket, project: "p1")
        var streams: [RawConnection] = []
        for _ in 0..<3 {
            let session = try #require(endpoint.initialize())
            let stream = try #require(Self.openStream(socket: socket, project: "p1", session: session))
            #expect(stream.read(until: Array("text/event-stream".utf8), seconds: 10))
            streams.append(stream)
        }
        let started = Monotonic.now()
        #expect(fixture.daemon.stop() == 0)
        #expect(Monotonic.now() - started < 5, "shutdown waited for the MCP streams")
        for stream in streams { #expect(stream.closedByPeer(within: 5)) }
    }
}
