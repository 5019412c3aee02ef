#if canImport(Glibc)
import Glibc
#endif
import Sandbox

// jcs-worker: the monitor of one sandbox. Reads `prepare` and `run` (JSON lines) on stdin and
// answers on stdout (docs/worker-protocol.md). It stays outside the sandbox for its whole life;
// nothing inside can reach it (other pid namespace, no shared descriptors).
//
// Exit status: 0 after a `result`, 125 when the sandbox could not be set up (an `error` line
// says why), 2 for a protocol error from the caller.

func send(_ message: WorkerMessage) {
    let line = JSONWriter.jsonLine(message.json)
    if !line.utf8.withContiguousStorageIfAvailable({ buffer -> Bool in
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 { if errno == EINTR { continue }; return false }
            offset += n
        }
        return true
    })! {
        exit(2)  // the caller is gone
    }
}

func fail(_ error: SandboxError, status: Int32 = 125) -> Never {
    send(.error(code: error.code, message: error.description))
    exit(status)
}

func nextMessage(_ reader: inout LineReader) -> WorkerMessage? {
    do {
        guard let line = try reader.next() else { return nil }
        return try WorkerMessage(json: try JSONParser.parse(line))
    } catch let error as SandboxError {
        fail(error, status: 2)
    } catch {
        fail(.protocolViolation(reason: "malformed JSON line: \(error)"), status: 2)
    }
}

/// One prepare, one run. The sandbox is a local so that it is torn down (its cgroup removed)
/// after the result is written and before the process exits.
func serve() -> Int32 {
    var reader = LineReader(fd: 0)
    guard case .prepare(let root, let profileJSON, let bpf, let rootIdentity, let profileSHA256, let cgroupLayout)? = nextMessage(&reader)
    else {
        fail(.protocolViolation(reason: "the first message must be 'prepare'"), status: 2)
    }
    if let cgroupLayout { Sandbox.adoptCgroupLayout(cgroupLayout) }
    PreparePriority.recordCoordinator()
    let sandbox: Sandbox
    do {
        let profile: Profile
        do {
            profile = try ProfileDecoder.decode(json: profileJSON)
        } catch {
            fail(.invalidRequest(field: "profile", reason: error.description), status: 2)
        }
        let program = try SeccompProgram(profile: profile, precompiled: bpf, profileSHA256: profileSHA256)
        sandbox = try Sandbox.prepare(profile: profile, root: root, rootIdentity: rootIdentity, filter: { program })
    } catch {
        fail(error)
    }
    send(.ready(pid: Int(sandbox.pid), hostUID: Int(sandbox.hostUID), idmapped: sandbox.idmapped))

    guard case .run(let argv, let env, let cwd, let egress, let streamOutput)? = nextMessage(&reader) else {
        // The caller dropped a prepared sandbox (pool shrinking, shutdown): nothing to report.
        return 0
    }
    // Prepared ahead as background work, the tool itself runs at the coordinator's priority.
    PreparePriority.adoptParents(sandboxInit: sandbox.pid)
    do {
        let result = try sandbox.run(
            RunRequest(argv: argv, environment: env, workingDirectory: cwd, egress: egress),
            output: streamOutput ? { send(.output(stream: $0, bytes: Array($1))) } : nil,
            onViolation: { send(.violation($0)) })
        send(.result(result))
    } catch {
        fail(error)
    }
    return 0
}

// A broken stdout pipe must be an error from write, not a silent death mid-report.
signal(SIGPIPE, SIG_IGN)
// The coordinator runs under umask 077 for its own files and we inherit it; the tool's files are
// the project's, made as a person's shell would make them (0644, 0755), not private to one uid.
// Everything the monitor makes itself names its mode.
umask(0o022)
let status = serve()
// After the result: the caller is not waiting for this.
Sandbox.finishDetachedTeardown()
exit(status)
