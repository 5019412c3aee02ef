#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport

/// Raw JSON-RPC to a project's MCP endpoint (`/v1/projects/ID/mcp`), for the MCP tests: the bytes
/// go as they are, so malformed messages can be sent too.
struct MCPEndpoint {
    let socket: String
    let project: String

    var target: String { "/v1/projects/\(project)/mcp" }

    func post(_ text: String, session: String? = nil, headers: [(String, String)] = []) -> RawHTTP.Answer? {
        post(Array(text.utf8), session: session, headers: headers)
    }

    func post(_ body: [UInt8], session: String? = nil, headers: [(String, String)] = []) -> RawHTTP.Answer? {
        var all = headers
        if let session { all.append(("Mcp-Session-Id", session)) }
        return RawHTTP.send(socket: socket, method: "POST", target: target, headers: all, body: body)
    }

    func request(_ id: Int, _ method: String, _ params: JSONValue = [:], session: String? = nil) -> RawHTTP.Answer? {
        let message: JSONValue = ["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": params]
        return post(JSONWriter.bytes(message), session: session)
    }

    /// Initializes and returns the session id the daemon issued.
    func initialize(version: String = "2025-06-18") -> String? {
        let answer = request(
            0, "initialize",
            ["protocolVersion": .string(version), "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]])
        return answer?.headers["mcp-session-id"]
    }
}

extension DaemonFixture {
    /// Starts project `id` on a fresh root holding `hello.txt`, with extra `--option`s.
    /// `jcs mcp --project ID` on pipes, with `initialize` sent and its answer read: a client's
    /// first exchange. Returns the bridge and that answer.
    func startMCPBridge(project id: String) throws -> (bridge: PipedProcess, initialized: JSONValue) {
        let bridge = try PipedProcess(
            product: "jcs", ["mcp", "--project", id, "--socket", daemon.socketPath], errPath: directory.file("bridge.err"))
        bridge.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}"#)
        guard let line = bridge.readLine() else { throw DaemonProcess.Failure(description: "no answer to initialize") }
        return (bridge, try JSONParser.parse(line))
    }

    func startMCPProject(_ id: String, options: [String] = []) -> Answer {
        _ = system2(["/bin/mkdir", "-p", directory.file(id)])
        directory.write("\(id)/hello.txt", MCPFixtureText.hello)
        var args = ["project", "start", directory.file(id), "--id", id]
        for option in options { args += ["--option", option] }
        let r = runProduct("jcs", args + ["--json", "--socket", daemon.socketPath])
        return Answer(status: r.status, json: (try? JSONParser.parse(r.out)) ?? .null, stderr: r.err)
    }
}

enum MCPFixtureText {
    static let hello = "hello from the project\nsecond line\n"
}

/// A product run with pipes on stdin and stdout, for a conversation line by line (what an MCP
/// client does with `jcs mcp`); stderr goes to a file. Reads are bounded, so a silent process
/// fails the test instead of hanging it.
final class PipedProcess {
    private let pid: pid_t
    private var input: Int32
    private let output: Int32
    private var pending: [UInt8] = []
    private var reaped: Int32?
    let errPath: String

    init(product: String, _ args: [String], errPath: String) throws {
        var stdinPipe: [Int32] = [0, 0]
        var stdoutPipe: [Int32] = [0, 0]
        // Close-on-exec from creation: any other child spawned meanwhile (a restarted daemon, a
        // parallel test's process) must not hold the write end of stdin open, or the EOF never
        // arrives. Socket pairs, because Swift's Glibc does not expose pipe2; used one way each.
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, kind, 0, &stdinPipe) == 0, socketpair(AF_UNIX, kind, 0, &stdoutPipe) == 0 else {
            throw DaemonProcess.Failure(description: "socketpair: \(errno)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = [BuiltProducts.path(product)] + args
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, argv[0], &actions, nil, cargs, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        guard rc == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            throw DaemonProcess.Failure(description: "posix_spawn: \(rc)")
        }
        pid = child
        input = stdinPipe[1]
        output = stdoutPipe[0]
        self.errPath = errPath
    }

    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }

    /// The next line on stdout, or nil at end of stream or after `timeoutMs` without one.
    func readLine(timeoutMs: Int32 = 15_000) -> String? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                defer { pending.removeSubrange(...newline) }
                return String(decoding: pending[..<newline], as: UTF8.self)
            }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeoutMs) > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            pending += chunk[..<n]
        }
    }

    /// Closes stdin (end of the client's messages) and waits for the exit status; a process still
    /// running after `timeoutMs` is killed (status 128+9), so the test fails rather than hangs.
    func finish(timeoutMs: Int = 15_000) -> Int32 {
        if input >= 0 {
            close(input)
            input = -1
        }
        if let reaped { return reaped }
        var status: Int32 = 0
        var waited = 0
        while true {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { break }
            if rc < 0 && errno != EINTR { return -1 }
            if waited >= timeoutMs {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            nanosleep(&pause, nil)
            waited += 10
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        reaped = code
        return code
    }

    deinit {
        if reaped == nil {
            kill(pid, SIGKILL)
            _ = finish(timeoutMs: 0)
        }
        close(output)
    }
}
