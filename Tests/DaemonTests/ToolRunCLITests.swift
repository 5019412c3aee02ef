#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 13, items 1, 2, 7 and 8 end to end: `jcs tool run` through the real daemon shows a call
/// as `jcs sandbox run` shows a command (streams, violations, status line), exits with the
/// documented status, and the file tools answer in the caller's terms without losing a byte.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct ToolRunCLITests {
    // MARK: - Item 1 and 2: human output and exit statuses

    @Test func aProgramsStreamsStatusAndExitCodeReachTheUser() throws {
        let fixture = try started()
        let human = jcsBytes(fixture, ["tool", "run", "p1", "shell.run", "--args", #"{"script":"echo out; echo err >&2; exit 3"}"#])
        #expect(human.status == 3, "\(human.err)")
        #expect(human.out == Array("out\n".utf8))
        #expect(human.err.contains("\nerr\n"), "\(human.err)")
        // The call id comes first, when the call starts; the status line last.
        #expect(human.err.hasPrefix("jcs: call call-"), "\(human.err)")
        #expect(human.err.contains("jcs: completed call-") && human.err.contains("(exit 3)"), "\(human.err)")
        // --json: the same status, the result object on stdout.
        let json = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"script":"exit 3"}"#)
        #expect(json.status == 3)
        #expect(json.json["output"]?["exit_code"] == 3)
    }

    @Test func aSignalAViolationAndASecretAreSaid() throws {
        let fixture = try started()
        let killed = jcsBytes(fixture, ["tool", "run", "p1", "shell.run", "--args", #"{"script":"kill -9 $$"}"#])
        #expect(killed.status == 137, "\(killed.err)")
        #expect(killed.err.contains("(signal 9, SIGKILL)"), "\(killed.err)")

        let connect = #"{"argv":["python3","-c","import socket; socket.create_connection(('1.1.1.1', 80), timeout=2)"]}"#
        let denied = jcsBytes(fixture, ["tool", "run", "p1", "shell.run", "--args", connect])
        #expect(denied.status != 0)
        #expect(denied.err.contains("jcs: violation: network_denied connect AF_INET 1.1.1.1:80"), "\(denied.err)")

        let secret = jcsBytes(
            fixture, ["tool", "run", "p1", "shell.run", "--args", #"{"script":"echo -----BEGIN RSA PRIVATE KEY-----"}"#])
        #expect(secret.status == 0)
        #expect(secret.err.contains("jcs: sensitive: the output holds a private_key"), "\(secret.err)")
    }

    @Test func refusalsTimeoutsAndUsageErrorsHaveTheirOwnStatuses() throws {
        let fixture = try started()
        let timeout = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sleep","5"],"timeout_ms":300}"#)
        #expect(timeout.status == 124, "\(timeout.json)")
        let arguments = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":1}"#)
        #expect(arguments.status == 65 && arguments.json["reason"] == "invalid_arguments", "\(arguments.json)")
        let unknown = fixture.jcs("tool", "run", "p1", "no.such.tool")
        #expect(unknown.status == 65 && unknown.json["reason"] == "unknown_tool")
        let policy = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"/etc/passwd"}"#)
        #expect(policy.status == 77 && policy.json["reason"] == "policy_denied", "\(policy.json)")
        let missing = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["/no/such/program"]}"#)
        #expect(missing.status == 127, "\(missing.json)")
        let project = fixture.jcs("tool", "run", "nope", "fs.read", "--args", #"{"path":"a"}"#)
        #expect(project.status == 1)
        let badJSON = runProduct("jcs", ["tool", "run", "p1", "fs.read", "--args", "{nope", "--socket", fixture.daemon.socketPath])
        #expect(badJSON.status == 64, "\(badJSON.err)")
        // What the help says is what happens.
        let help = runProduct("jcs", ["tool", "run", "--help"]).out
        for line in ["64     usage error (bad --args JSON", "65     refused: invalid_arguments", "77     refused by the policy", "124    the call timed out"] {
            #expect(help.contains(line), "help lacks '\(line)'")
        }
    }

    // MARK: - Item 7: the file tools answer in the caller's terms

    @Test func fileToolsNameTheCallersPathAndCreateParentsWithANormalMode() throws {
        let fixture = try started()
        _ = system2(["/bin/mkdir", "-p", fixture.projectRoot + "/adir"])
        _ = system2(["/usr/bin/mkfifo", fixture.projectRoot + "/afifo"])
        let missing = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"nope.txt"}"#)
        #expect(missing.json["reason"] == "not_found" && missing.status == 66, "\(missing.json)")
        #expect(missing.json["message"] == "nope.txt: no such file or directory")
        let directory = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"adir"}"#)
        #expect(directory.json["reason"] == "is_a_directory", "\(directory.json)")
        let fifo = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"afifo"}"#)
        #expect(fifo.json["reason"] == "not_a_file", "\(fifo.json)")
        let list = fixture.jcs("tool", "run", "p1", "fs.list", "--args", #"{"path":"nowhere"}"#)
        #expect(list.json["reason"] == "not_found", "\(list.json)")
        for answer in [missing, directory, fifo, list] {
            let message = answer.json["message"]?.stringValue ?? ""
            #expect(!message.contains("/workspace"), "\(answer.json)")
        }

        let write = fixture.jcs("tool", "run", "p1", "fs.write", "--args", #"{"path":"notes/deep/todo.txt","content":"x\n"}"#)
        #expect(write.status == 0 && write.json["status"] == "completed", "\(write.json)")
        #expect(readTextFile(fixture.projectRoot + "/notes/deep/todo.txt") == "x\n")
        #expect(mode(fixture.projectRoot + "/notes/deep/todo.txt") == 0o644)
        #expect(mode(fixture.projectRoot + "/notes/deep") == 0o755)
        // A program's files too: the daemon's own umask (077) is not the tool's.
        let shell = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"script":"mkdir by-shell && echo y > by-shell/f"}"#)
        #expect(shell.status == 0, "\(shell.json)")
        #expect(mode(fixture.projectRoot + "/by-shell/f") == 0o644)
        #expect(mode(fixture.projectRoot + "/by-shell") == 0o755)
        let below = fixture.jcs("tool", "run", "p1", "fs.write", "--args", #"{"path":"notes/deep/todo.txt/x","content":""}"#)
        #expect(below.json["reason"] == "not_a_directory", "\(below.json)")
        // A file tool's program output (find's NUL-separated records) is never shown raw.
        let listed = jcsBytes(fixture, ["tool", "run", "p1", "fs.list", "--args", #"{"path":"notes/deep"}"#])
        #expect(listed.status == 0 && !listed.out.contains(0), "\(listed.out)")
        #expect(String(decoding: listed.out, as: UTF8.self).contains("name: todo.txt"), "\(String(decoding: listed.out, as: UTF8.self))")
        let onDirectory = fixture.jcs("tool", "run", "p1", "fs.write", "--args", #"{"path":"adir","content":""}"#)
        #expect(onDirectory.json["reason"] == "is_a_directory", "\(onDirectory.json)")
    }

    @Test func binaryContentRoundTripsByteForByte() throws {
        let fixture = try started()
        let bytes: [UInt8] = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ ($0 >> 8)) }
        let encoded = Base64.encode(bytes)
        let write = fixture.jcs(
            "tool", "run", "p1", "fs.write", "--args", #"{"path":"bin/blob.bin","encoding":"base64","content":"\#(encoded)"}"#)
        #expect(write.json["status"] == "completed", "\(write.json)")
        #expect(readBytes(fixture.projectRoot + "/bin/blob.bin") == bytes)

        let read = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"bin/blob.bin"}"#)
        #expect(read.json["output"]?["encoding"] == "base64", "\(read.json)")
        #expect(read.json["output"]?["content"]?.stringValue.flatMap(Base64.decode) == bytes)
        // Human mode: the file's bytes on stdout, nothing else.
        let human = jcsBytes(fixture, ["tool", "run", "p1", "fs.read", "--args", #"{"path":"bin/blob.bin"}"#])
        #expect(human.status == 0 && human.out == bytes, "\(human.err)")

        // A program printing those bytes: base64 in JSON, raw on stdout in human mode.
        let cat = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["cat","bin/blob.bin"]}"#)
        #expect(cat.json["output"]?["stdout_encoding"] == "base64", "\(cat.json)")
        #expect(cat.json["output"]?["stdout"]?.stringValue.flatMap(Base64.decode) == bytes)
        let catHuman = jcsBytes(fixture, ["tool", "run", "p1", "shell.run", "--args", #"{"argv":["cat","bin/blob.bin"]}"#])
        #expect(catHuman.out == bytes)
        // UTF-8 text stays text.
        let text = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"script":"printf 'h\\303\\251'"}"#)
        #expect(text.json["output"]?["stdout"] == "hé" && text.json["output"]?["stdout_encoding"] == nil, "\(text.json)")
    }

    // MARK: - Item 8: large output is cut and flagged, not refused

    @Test func largeOutputIsCutFlaggedAndReadableOnWithOffset() throws {
        let fixture = try started()
        var big = ""
        for line in 0..<60_000 { big += "line \(line) of the big file\n" }
        fixture.directory.write("project/big.txt", big)
        let cat = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["cat","big.txt"]}"#)
        #expect(cat.json["status"] == "completed", "\(cat.json["reason"] ?? .null)")
        #expect(cat.json["output"]?["stdout_truncated"] == true)
        let stdout = cat.json["output"]?["stdout"]?.stringValue ?? ""
        #expect(!stdout.isEmpty && big.hasPrefix(stdout))
        #expect(cat.json["output"]?["notice"]?.stringValue?.contains("tool_max_output_bytes is 262144") == true)

        let read = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"big.txt","limit":100000000}"#)
        #expect(read.json["status"] == "completed", "\(read.json["message"] ?? .null)")
        #expect(read.json["output"]?["truncated"] == true)
        let first = read.json["output"]?["content"]?.stringValue ?? ""
        let next = try #require(read.json["output"]?["next_offset"]?.intValue)
        #expect(next == first.utf8.count && big.hasPrefix(first))
        #expect(read.json["output"]?["notice"]?.stringValue?.contains("offset \(next)") == true)
        let rest = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"big.txt","offset":\#(next),"limit":1000}"#)
        let second = rest.json["output"]?["content"]?.stringValue ?? ""
        #expect(second.utf8.count == 1000 && Array(big.utf8)[next..<(next + 1000)] == Array(second.utf8)[...])

        let search = fixture.jcs("tool", "run", "p1", "fs.search", "--args", #"{"pattern":"line","path":"big.txt"}"#)
        #expect(search.json["status"] == "completed", "\(search.json["message"] ?? .null)")
        #expect(search.json["output"]?["truncated"] == true)
        #expect((search.json["output"]?["matches"]?.arrayValue?.count ?? 0) > 100)
    }

    @Test func everyBuiltInParameterHasADescription() throws {
        let fixture = try started()
        let tools = fixture.jcs("tools", "p1").json["tools"]?.arrayValue ?? []
        #expect(tools.count >= 8)
        for tool in tools {
            for (name, schema) in tool["input_schema"]?["properties"]?.objectValue ?? [:] {
                #expect(schema["description"]?.stringValue?.isEmpty == false, "\(tool["name"] ?? .null).\(name)")
            }
        }
    }

    // MARK: - Helpers

    private func started() throws -> DaemonFixture {
        let fixture = try DaemonFixture()
        let start = fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1")
        guard start.status == 0 else { throw DaemonProcess.Failure(description: "project start: \(start.json)") }
        return fixture
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }
}

/// Runs `jcs ARGS --socket S` (human form) and returns its exit status, stdout as bytes and
/// stderr as text.
func jcsBytes(_ fixture: DaemonFixture, _ args: [String]) -> (status: Int32, out: [UInt8], err: String) {
    let outPath = fixture.directory.file("jcs-\(UInt32.random(in: 0...UInt32.max)).out")
    let errPath = outPath + ".err"
    defer {
        unlink(outPath)
        unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = [BuiltProducts.path("jcs")] + args + ["--socket", fixture.daemon.socketPath]
    let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], &actions, nil, cargs, environ) == 0 else { return (-1, [], "spawn failed") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, readBytes(outPath), readTextFile(errPath) ?? "")
}

/// A file's bytes (empty when it cannot be read).
func readBytes(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        bytes += chunk[..<n]
    }
    return bytes
}
