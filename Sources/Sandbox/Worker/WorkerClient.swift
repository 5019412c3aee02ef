#if canImport(Glibc)
import Glibc
#endif

/// The caller's side of one `jcs-worker` process: spawned with `posix_spawn`, fed `prepare` and
/// `run` on its stdin, read on its stdout. One worker runs one command.
///
/// - Important: `prepare` and `run` block the calling thread; call them from a thread of their
///   own (the coordinator's worker threads, the pool's preparer), never on an actor's executor.
public final class WorkerClient: @unchecked Sendable {
    public let pid: pid_t
    private let input: OwnedFD
    private let output: OwnedFD
    private var reader: LineReader
    private var reaped = false
    /// Whether the worker sent its final answer (a result); it then exits by itself.
    private var answered = false
    public private(set) var ready: (pid: Int, hostUID: Int, idmapped: Bool)?

    /// Spawns `executable` (the `jcs-worker` binary) with its stdin on a socket, its stdout on a
    /// pipe and its stderr on ours (`CleanSpawn`: nothing else is inherited).
    public init(executable: String) throws(SandboxError) {
        // The caller's side of the worker's stdin is a socket, not a pipe: a write to a worker
        // that died must fail with EPIPE (MSG_NOSIGNAL), not raise SIGPIPE in the coordinator.
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .lastError("socketpair")
        }
        let toWorker = (read: OwnedFD(pair[1]), write: OwnedFD(pair[0]))
        let fromWorker = try POSIX.pipe()
        self.pid = try CleanSpawn.spawn(
            [executable], stdin: .descriptor(toWorker.read.raw), stdout: .descriptor(fromWorker.write.raw),
            stderr: .inherit)
        toWorker.read.close()
        fromWorker.write.close()
        input = toWorker.write
        output = fromWorker.read
        reader = LineReader(fd: output.raw)
    }

    /// A worker that already answered is left to finish its own tear-down (removing its
    /// cgroup) and reaped on a short-lived thread, off the caller's path; one that did not is
    /// killed first.
    deinit {
        guard !reaped else { return }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return }
        if !answered { kill(pid, SIGKILL) }
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let rc = pthread_create(&thread, &attributes, { raw in
            var status: Int32 = 0
            let pid = pid_t(Int(bitPattern: raw))
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return nil
        }, UnsafeMutableRawPointer(bitPattern: Int(pid)))
        pthread_attr_destroy(&attributes)
        if rc != 0 {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    /// Builds the sandbox; returns when the worker says `ready`. With `rootIdentity`, the worker
    /// refuses (`root_changed`) a root that is no longer that directory.
    public func prepare(
        root: String, profile: Profile, bpf: [UInt8]?, rootIdentity: FileIdentity? = nil
    ) throws(SandboxError) {
        try prepare(PrepareRequest(root: root, profile: profile, bpf: bpf, rootIdentity: rootIdentity))
    }

    /// A `prepare` message encoded once, for a pool whose workers all get the same one: the
    /// profile's canonical form and the filter's base64 are not rebuilt per worker.
    public struct PrepareRequest: Sendable {
        let line: [UInt8]

        /// The profile's SHA-256 and this process's cgroup layout go with it: each worker would
        /// otherwise hash the profile and parse mountinfo again.
        public init(root: String, profile: Profile, bpf: [UInt8]?, rootIdentity: FileIdentity? = nil) {
            let message = WorkerMessage.prepare(
                root: root, profile: profile.canonicalJSON, bpf: bpf, rootIdentity: rootIdentity, profileSHA256: profile.sha256,
                cgroupLayout: Sandbox.cgroupLayout)
            line = Array(JSONWriter.jsonLine(message.json).utf8)
        }
    }

    /// Builds the sandbox from an encoded request; returns when the worker says `ready`.
    public func prepare(_ request: PrepareRequest) throws(SandboxError) {
        try send(bytes: request.line)
        switch try receive() {
        case .ready(let pid, let uid, let idmapped): ready = (pid, uid, idmapped)
        case .error(let code, let message): throw WorkerClient.error(code: code, message: message)
        default: throw .protocolViolation(reason: "expected 'ready' from the worker")
        }
    }

    /// Runs the command and returns the result. Violations arrive through `onViolation` as the
    /// worker reports them, before the result; with `onOutput`, so do the tool's stdout (1) and
    /// stderr (2) chunks (the result still holds both streams whole).
    public func run(
        argv: [String], env: [(String, String)] = [], cwd: String? = nil, egress: EgressRoute? = nil,
        onOutput: ((Int32, [UInt8]) -> Void)? = nil, onViolation: ((Violation) -> Void)? = nil
    ) throws(SandboxError) -> SandboxResult {
        try send(.run(argv: argv, env: env, cwd: cwd, egress: egress, streamOutput: onOutput != nil))
        while true {
            switch try receive() {
            case .violation(let violation): onViolation?(violation)
            case .output(let stream, let bytes): onOutput?(stream, bytes)
            case .result(let result):
                answered = true
                return result
            case .error(let code, let message): throw WorkerClient.error(code: code, message: message)
            default: throw .protocolViolation(reason: "unexpected message from the worker")
            }
        }
    }

    /// Kills the worker from any thread: its sandbox dies with it (the sandbox's init has the
    /// parent-death signal), and a `run` blocked on it throws `protocolViolation`. For
    /// cancellation and shutdown.
    public func cancel() {
        kill(pid, SIGKILL)
    }

    /// Ends a worker that will not be used (its sandbox is torn down with it).
    public func discard() {
        input.close()
        reap()
    }

    private func reap() {
        guard !reaped else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
    }

    private func send(_ message: WorkerMessage) throws(SandboxError) {
        try send(bytes: Array(JSONWriter.jsonLine(message.json).utf8))
    }

    private func send(bytes: [UInt8]) throws(SandboxError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(input.raw, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .protocolViolation(reason: "the worker exited (write: \(SandboxError.errnoText(errno)))")
            }
            offset += n
        }
    }

    private func receive() throws(SandboxError) -> WorkerMessage {
        guard let line = try reader.next() else {
            throw .protocolViolation(reason: "the worker exited without answering")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw .protocolViolation(reason: "the worker wrote malformed JSON: \(error)")
        }
        return try WorkerMessage(json: value)
    }

    private static func error(code: String, message: String) -> SandboxError {
        .reported(code: code, message: message)
    }

    /// The `jcs-worker` next to the running executable, or `$JCS_WORKER` when set.
    public static func defaultExecutable() -> String {
        if let override = getenv("JCS_WORKER") { return String(cString: override) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "jcs-worker" }
        let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let dir = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return "\(dir)/jcs-worker"
    }
}
