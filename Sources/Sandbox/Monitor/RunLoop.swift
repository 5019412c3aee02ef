#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The monitor's loop for one run: drains stdout/stderr under their caps, answers seccomp
/// notifications, enforces the wall-clock deadline, and collects what init reports.
struct RunLoop {
    private let pidfd: Int32
    private let limits: Profile.Limits
    private let filter: SeccompProgram
    private let output: ((Int32, ArraySlice<UInt8>) -> Void)?
    private let onViolation: ((Violation) -> Void)?
    private let started: UInt64

    private var stdout: CappedBuffer
    private var stderr: CappedBuffer
    private var listener: OwnedFD?
    private var violations: [Violation] = []
    private var limitsFired: [SandboxResult.Limit] = []
    private var terminatingLimit: SandboxResult.Limit?
    /// When the monitor killed the sandbox (a limit, or a broken protocol); nil while it runs.
    private var killedAt: UInt64?
    private var execError: (errno: Int32, command: String)?
    private var setupError: SandboxError?
    private(set) var status: Int32?
    private var syscallNames: [Int32: String] = [:]
    /// Egress (network_egress_policy allow): connects go through the coordinator's proxy.
    private let egress: EgressInterceptor?
    /// Reporting traps (sensitive paths, host secrets): fanotify permission events.
    private let traps: TrapWatcher?

    init(
        pidfd: Int32, limits: Profile.Limits, filter: SeccompProgram, listener: OwnedFD?,
        output: ((Int32, ArraySlice<UInt8>) -> Void)?, onViolation: ((Violation) -> Void)?, started: UInt64,
        egress route: EgressRoute? = nil, traps: TrapWatcher? = nil
    ) {
        egress = route.flatMap { route in listener.flatMap { EgressInterceptor(route: route, listener: $0.raw) } }
        self.traps = traps
        self.listener = listener
        self.onViolation = onViolation
        self.pidfd = pidfd
        self.limits = limits
        self.filter = filter
        self.output = output
        self.started = started
        stdout = CappedBuffer(cap: limits.maxOutputBytes)
        stderr = CappedBuffer(cap: limits.maxOutputBytes)
    }

    /// After a kill, how long to wait for the pipes to close before giving up on them. The
    /// kernel tears the namespace down in milliseconds; this only bounds a pathological case.
    private static let drainGraceNs: UInt64 = 5_000_000_000

    mutating func run(control: Int32, stdout stdoutFD: Int32, stderr stderrFD: Int32) -> RunOutcome {
        var reader = ControlReader()
        var open: Set<Int32> = [control, stdoutFD, stderrFD]
        let deadline = started + UInt64(limits.timeoutMs) * 1_000_000
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let listener { fds.append(pollfd(fd: listener.raw, events: Int16(POLLIN), revents: 0)) }
            if let egress { fds.append(pollfd(fd: egress.wakeFD, events: Int16(POLLIN), revents: 0)) }
            if let traps { fds.append(pollfd(fd: traps.wakeFD, events: Int16(POLLIN), revents: 0)) }
            let now = Timestamp.monotonicNs()
            let wakeAt = killedAt.map { $0 + RunLoop.drainGraceNs } ?? deadline
            let timeout = wakeAt > now ? Int32(min((wakeAt - now + 999_999) / 1_000_000, 60_000)) : 0
            let rc = poll(&fds, nfds_t(fds.count), timeout)
            if rc < 0 {
                if errno == EINTR { continue }
                setupError = .lastError("poll")
                kill()
                break
            }
            if rc == 0 {
                if killedAt != nil { break }  // pipes held open past the grace period: stop waiting
                if Timestamp.monotonicNs() >= deadline {
                    fire(.timeout, terminating: true)
                    kill()
                }
                continue
            }
            for p in fds where p.revents != 0 {
                if p.fd == egress?.wakeFD {
                    for violation in egress?.drain() ?? [] { record(violation) }
                } else if p.fd == traps?.wakeFD {
                    for violation in traps?.drain() ?? [] { record(violation) }
                } else if p.fd == listener?.raw {
                    if p.revents & Int16(POLLIN) != 0 {
                        handleNotification()
                    } else {
                        listener = nil  // every filtered task is gone
                    }
                } else if p.fd == control {
                    do {
                        if try !reader.fill(from: control) {
                            open.remove(control)
                        }
                    } catch {
                        open.remove(control)
                    }
                    while let message = reader.next() { handle(message, control: control) }
                } else {
                    let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 {
                        open.remove(p.fd)
                        continue
                    }
                    let isStdout = p.fd == stdoutFD
                    let kept = isStdout ? self.stdout.append(buffer[0..<n]) : self.stderr.append(buffer[0..<n])
                    if !kept.isEmpty { output?(isStdout ? 1 : 2, kept) }
                    if (isStdout ? self.stdout.truncated : self.stderr.truncated) && killedAt == nil {
                        fire(.output, terminating: true)
                        kill()
                    }
                }
            }
        }
        for violation in egress?.drain() ?? [] { record(violation) }
        // The group's reader posts a violation before it answers the open: whatever the tool
        // was refused before it ended is in the mailbox by now.
        for violation in traps?.drain() ?? [] { record(violation) }
        egress?.stopResolver()
        let duration = Int((Timestamp.monotonicNs() - started) / 1_000_000)
        return RunOutcome(
            status: status, stdout: stdout, stderr: stderr, violations: violations,
            limitsFired: limitsFired, terminatingLimit: terminatingLimit, execError: execError, setupError: setupError,
            durationMs: duration)
    }

    private mutating func handle(_ message: ControlReader.Message, control: Int32) {
        switch message {
        case .listener:
            setupError = .protocolViolation(reason: "a listener handed over after set-up")
            kill()
        case .status(let waitStatus, _):
            status = waitStatus
        case .error(let step, let err, let detail):
            if step == UInt32(CSB_STEP_EXEC.rawValue) {
                execError = (err, detail)
            } else {
                setupError = .setupFailed(step: SetupStep.name(step), errno: err, detail: detail)
                kill()
            }
        case .ready:
            setupError = .protocolViolation(reason: "READY after the run message")
            kill()
        }
    }

    private mutating func kill() {
        guard killedAt == nil else { return }
        killedAt = Timestamp.monotonicNs()
        _ = csb_pidfd_send_signal(pidfd, SIGKILL)
    }

    private mutating func fire(_ limit: SandboxResult.Limit, terminating: Bool) {
        guard !limitsFired.contains(limit) else { return }
        limitsFired.append(limit)
        if terminating && terminatingLimit == nil { terminatingLimit = limit }
        record(Violation(kind: "limit_exceeded", limit: limit.rawValue, atMs: Timestamp.nowMs()))
    }

    /// A violation found before the run started (what prepare could not cover).
    mutating func report(_ violation: Violation) { record(violation) }

    /// How many violations one run records one by one. A tool that repeats a denied syscall in a
    /// loop is answered every time (the kernel waits for each answer, so nothing queues), but one
    /// record, one event and one journal row per attempt grew the monitor and the coordinator
    /// without bound (200,000 `bpf` calls: 200,000 records, 250 MB in `jcs sandbox run`). Past
    /// the cap the rest are counted in one `violations_suppressed` record; limits always count.
    static let maxRecordedViolations = 1024
    private var suppressed: UInt64 = 0
    private var suppressedAt: Int?

    private mutating func record(_ violation: Violation) {
        let always = violation.kind == "limit_exceeded" || violation.kind == "syscall_killed"
        guard always || violations.count < Self.maxRecordedViolations else {
            suppressed += 1
            if let at = suppressedAt {
                violations[at].args = [suppressed]
                return
            }
            // Streamed once, when suppression starts; the result carries the final count.
            let summary = Violation(kind: "violations_suppressed", args: [suppressed], limit: "violations_per_run", atMs: violation.atMs)
            suppressedAt = violations.count
            violations.append(summary)
            onViolation?(summary)
            return
        }
        violations.append(violation)
        onViolation?(violation)
    }

    private mutating func name(of nr: Int32) -> String {
        if let known = syscallNames[nr] { return known }
        var buffer = [CChar](repeating: 0, count: 64)
        let name =
            csb_syscall_name(nr, &buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : SyscallNames.x86_64.first { $0.value == nr }?.key ?? "syscall_\(nr)"
        syscallNames[nr] = name
        return name
    }

    /// Answers one parked syscall. Denials are answered with the rule's errno and recorded; a
    /// network call is read for its destination first.
    private mutating func handleNotification() {
        guard let fd = listener?.raw else { return }
        var n = csb_notification()
        guard csb_notify_receive(fd, &n) == 0 else {
            if errno != ENOENT && errno != EINTR { listener = nil }
            return
        }
        let args = [n.args.0, n.args.1, n.args.2, n.args.3, n.args.4, n.args.5]
        let syscall = name(of: n.nr)
        if let rule = filter.denial(nr: n.nr, args: args) {
            _ = csb_notify_respond(fd, n.id, rule.errno, 0)
            var violation = Violation(kind: rule.kind, syscall: syscall, args: args, atMs: Timestamp.nowMs())
            if syscall == "socket" || syscall == "socketpair" {
                violation.family = SocketAddress.familyName(Int32(truncatingIfNeeded: args[0]))
            }
            record(violation)
            return
        }
        guard filter.networkSyscalls.contains(n.nr) else {
            // Notified but matching no rule we know: fail closed, and say so.
            _ = csb_notify_respond(fd, n.id, EPERM, 0)
            record(Violation(kind: "syscall_denied", syscall: syscall, args: args, atMs: Timestamp.nowMs()))
            return
        }
        let address = destination(pid: pid_t(n.pid), syscall: syscall, args: args)
        // The memory we read belongs to the notifying task only if the notification is still
        // pending; otherwise the pid may have been reused.
        guard csb_notify_id_valid(fd, n.id) != 0 else { return }
        guard let address else {
            _ = csb_notify_respond(fd, n.id, EFAULT, 0)
            return
        }
        if address.family == AF_UNIX, let path = address.address, let trap = traps?.socketTrap(path) {
            _ = csb_notify_respond(fd, n.id, ECONNREFUSED, 0)
            record(
                Violation(
                    kind: TrapSet.Kind.hostSecret.rawValue, syscall: syscall, family: "AF_UNIX", path: trap,
                    atMs: Timestamp.nowMs()))
            return
        }
        if let egress {
            if egress.intercepts(syscall: syscall, address) {
                egress.begin(id: n.id, pid: pid_t(n.pid), fd: Int32(truncatingIfNeeded: args[0]), address: address)
                return
            }
            if syscall == "connect", address.family == AF_UNSPEC,
                egress.isTunnel(pid: pid_t(n.pid), fd: Int32(truncatingIfNeeded: args[0])),
                csb_notify_id_valid(fd, n.id) != 0
            {
                _ = csb_notify_respond(fd, n.id, EPERM, 0)
                record(Violation(kind: "network_denied", syscall: syscall, family: address.familyName, atMs: Timestamp.nowMs()))
                return
            }
            egress.prepareResolver(for: address, sandboxPidfd: pidfd)
            if let refusal = egress.datagramRefusal(syscall: syscall, address) {
                _ = csb_notify_respond(fd, n.id, EPERM, 0)
                record(refusal)
                return
            }
        }
        if address.isLocalToSandbox {
            // Not authoritative (the tool may rewrite the address before the kernel re-reads it);
            // the empty network namespace is what enforces.
            _ = csb_notify_respond(fd, n.id, 0, 1)
            return
        }
        _ = csb_notify_respond(fd, n.id, EPERM, 0)
        record(
            Violation(
                kind: "network_denied", syscall: syscall, family: address.familyName, address: address.address,
                port: address.port, atMs: Timestamp.nowMs()))
    }

    /// The destination of a connect/sendto/sendmsg/sendmmsg, read from the tool's memory. A
    /// send without a destination goes to the connected peer: reported as AF_UNSPEC (local).
    private func destination(pid: pid_t, syscall: String, args: [UInt64]) -> SocketAddress? {
        var pointer: UInt64
        var length: UInt64
        switch syscall {
        case "connect":
            pointer = args[1]
            length = args[2]
        case "sendto":
            pointer = args[4]
            length = args[5]
        default:  // sendmsg, sendmmsg: struct msghdr { void *msg_name; socklen_t msg_namelen; ... }
            var header = [UInt8](repeating: 0, count: 16)
            let n = header.withUnsafeMutableBytes { csb_read_process_memory(pid, args[1], $0.baseAddress!, 16) }
            guard n == 16 else { return nil }
            pointer = header[0..<8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
            length = UInt64(header[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
        if pointer == 0 { return SocketAddress(bytes: [UInt8(AF_UNSPEC), 0]) }
        let size = Int(min(length, 128))
        guard size >= 2 else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        let n = bytes.withUnsafeMutableBytes { csb_read_process_memory(pid, pointer, $0.baseAddress!, size) }
        guard n == size else { return nil }
        return SocketAddress(bytes: bytes)
    }
}

/// An output stream kept up to `cap` bytes; past it the rest is counted, not stored.
struct CappedBuffer {
    let cap: Int
    private(set) var bytes: [UInt8] = []
    private(set) var truncated = false

    init(cap: Int) { self.cap = cap }

    /// Appends what fits; returns the part that was kept.
    mutating func append(_ chunk: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let room = cap - bytes.count
        if chunk.count > room { truncated = true }
        let kept = chunk.prefix(max(0, room))
        bytes.append(contentsOf: kept)
        return kept
    }
}

/// Everything the loop saw, turned into a result once the cgroup has been read.
struct RunOutcome {
    var status: Int32?
    var stdout: CappedBuffer
    var stderr: CappedBuffer
    var violations: [Violation]
    var limitsFired: [SandboxResult.Limit]
    var terminatingLimit: SandboxResult.Limit?
    var execError: (errno: Int32, command: String)?
    var setupError: SandboxError?
    var durationMs: Int

    func result(
        oomKills: Int, pidsRefused: Int, diskFull: Bool = false, profile: Profile, sha256: String
    ) throws(SandboxError) -> SandboxResult {
        if let setupError { throw setupError }
        var exitCode: Int? = nil
        var signal: Int? = nil
        if let status {
            if status & 0x7f == 0 {
                exitCode = Int((status >> 8) & 0xff)
            } else {
                signal = Int(status & 0x7f)
            }
        } else {
            signal = Int(SIGKILL)  // init was killed before it could report: so was the tool
        }
        var limitsFired = self.limitsFired
        var terminating = terminatingLimit
        var violations = self.violations
        func fire(_ limit: SandboxResult.Limit, terminating ends: Bool) {
            guard !limitsFired.contains(limit) else { return }
            limitsFired.append(limit)
            if ends && terminating == nil { terminating = limit }
            violations.append(Violation(kind: "limit_exceeded", limit: limit.rawValue, atMs: Timestamp.nowMs()))
        }
        if oomKills > 0 { fire(.memory, terminating: signal == Int(SIGKILL)) }
        if signal == Int(SIGXCPU) { fire(.cpu, terminating: true) }
        if signal == Int(SIGXFSZ) { fire(.fileSize, terminating: true) }
        if pidsRefused > 0 { fire(.pids, terminating: false) }
        if diskFull { fire(.disk, terminating: false) }
        if signal == Int(SIGSYS) {
            violations.append(Violation(kind: "syscall_killed", atMs: Timestamp.nowMs()))
        }
        var execMessage: String? = nil
        if let execError {
            exitCode = execError.errno == ENOENT ? 127 : 126
            signal = nil
            execMessage = "cannot execute '\(execError.command)': \(SandboxError.errnoText(execError.errno))"
        }
        return SandboxResult(
            exitCode: exitCode, signal: signal, timedOut: limitsFired.contains(.timeout),
            limitFired: terminating ?? limitsFired.first, limitsFired: limitsFired, stdout: stdout.bytes,
            stderr: stderr.bytes, stdoutTruncated: stdout.truncated, stderrTruncated: stderr.truncated,
            durationMs: durationMs, profileName: profile.name, profileSHA256: sha256, violations: violations,
            execError: execMessage)
    }
}
