import ArgumentParser
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// `jcs mcp --project ID`: the MCP stdio transport. An agent client spawns it and speaks
/// newline-delimited JSON-RPC on its stdin and stdout; each message is forwarded as it is to the
/// daemon's `/v1/projects/ID/mcp`, so the protocol, the session and the gate all live in the daemon
/// and this process holds nothing but the session id.
struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve a project's tools to an MCP client over stdio (the client spawns this).",
        discussion: """
            Reads one JSON-RPC message per line on stdin, forwards each to the daemon's MCP endpoint \
            (POST /v1/projects/ID/mcp) and writes each answer as one line on stdout, flushed at once. \
            Stdout carries nothing but the protocol; diagnostics go to stderr. At end of stdin the \
            session is ended (DELETE) and the command exits 0.

            Tools are the project's catalog (`jcs tools ID`); every call runs through the project's \
            gate (schema, policy, quotas, sandbox) with gateway `mcp`, so the project's \
            protocol_allowlist must include mcp. A refused call is a tool result with isError and the \
            reason code, never a protocol error. tools/call requests run concurrently (up to 16), so \
            their answers may come out of order; notifications/cancelled kills the named call's sandbox. \
            A tools/call with _meta.progressToken gets notifications/progress lines before its \
            result. Once initialized, the session's server notifications (notifications/tools/\
            list_changed, prompts/list_changed, resources/list_changed when the project's assets \
            reload) are written as lines too, interleaved whole with the answers.

            When the daemon cannot be reached, each request is answered with a JSON-RPC error \
            (code -32000, "daemon unreachable at SOCKET: …") and the command keeps reading, so the \
            client sees why instead of a dead server. See docs/mcp.md.

            EXAMPLE
              jcs mcp --project app
              # Claude Desktop (claude_desktop_config.json):
              #   {"mcpServers": {"app": {"command": "/usr/local/bin/jcs",
              #                           "args": ["mcp", "--project", "app"]}}}
            """
    )

    /// Calls the bridge keeps in flight at once; past it, it waits for the oldest.
    static let maximumConcurrentCalls = 16

    @Option(name: .long, help: "The project's id (`jcs project list`).") var project: String
    @Option(name: .long, help: "The daemon's socket (default: $JCS_SOCKET, else the daemon's default path).")
    var socket: String?

    func run() throws {
        // A client that goes away must not kill us mid-DELETE with SIGPIPE; the write fails instead.
        signal(SIGPIPE, SIG_IGN)
        var bridge = MCPBridge(socketPath: DaemonSocket.resolve(socket), projectId: project)
        var input = MCPLineReader(fd: 0, maximumLine: MCPBridge.maximumLine)
        // `tools/call`s run on threads of their own, so a slow tool does not hold up the
        // client's other requests, and its `notifications/cancelled` reaches the daemon while
        // the call still runs. Everything else (initialize above all, which sets the session)
        // is forwarded in order on this thread.
        var calls: [OffThread<Bool>] = []
        // The session's notification stream, opened once `initialize` gave a session; it ends
        // when the session is ended below.
        var listener: OffThread<Void>?
        var clientOpen = true
        while clientOpen, let line = input.next() {
            switch line {
            case .line(let bytes) where MCPBridge.isToolCall(bytes):
                // Finished threads are joined here, oldest first: at most this many are held.
                if calls.count >= Self.maximumConcurrentCalls { clientOpen = (try? calls.removeFirst().value()) ?? false }
                let snapshot = bridge
                calls.append(OffThread { () throws(SandboxError) -> Bool in
                    var forwarder = snapshot
                    return forwarder.forward(bytes)
                })
            case .line(let bytes):
                clientOpen = bridge.forward(bytes)
                if listener == nil, bridge.hasSession {
                    let snapshot = bridge
                    listener = OffThread { () throws(SandboxError) in snapshot.listen() }
                }
            case .tooLong: clientOpen = bridge.refuseTooLong()
            }
        }
        for call in calls { _ = try? call.value() }
        bridge.endSession()
        try? listener?.value()
    }
}
