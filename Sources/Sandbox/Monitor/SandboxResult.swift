/// What happened to one command in one sandbox: the tool's own outcome, every limit that fired
/// and every violation the monitor saw. `json` is the `jcs sandbox run --json` object and the
/// worker's `result` report.
public struct SandboxResult: Sendable, Equatable {
    public enum Limit: String, Sendable, CaseIterable {
        case timeout, memory, pids, output
        case fileSize = "file_size"
        case cpu
        /// The project's disk quota (bytes or inodes): the tool saw EDQUOT.
        case disk
    }

    /// The tool's exit code, nil if a signal ended it.
    public var exitCode: Int?
    /// The signal that ended the tool, if any.
    public var signal: Int?
    public var timedOut: Bool
    /// The limit that ended the tool, or else the first one that fired without ending it.
    public var limitFired: Limit?
    /// Every limit that fired, in the order the monitor saw them.
    public var limitsFired: [Limit]
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    public var durationMs: Int
    public var profileName: String
    public var profileSHA256: String
    public var violations: [Violation]
    /// Set when the command could not be executed (not found, not executable).
    public var execError: String?

    public init(
        exitCode: Int?, signal: Int?, timedOut: Bool, limitFired: Limit?, limitsFired: [Limit], stdout: [UInt8],
        stderr: [UInt8], stdoutTruncated: Bool, stderrTruncated: Bool, durationMs: Int, profileName: String,
        profileSHA256: String, violations: [Violation], execError: String?
    ) {
        self.exitCode = exitCode
        self.signal = signal
        self.timedOut = timedOut
        self.limitFired = limitFired
        self.limitsFired = limitsFired
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated
        self.durationMs = durationMs
        self.profileName = profileName
        self.profileSHA256 = profileSHA256
        self.violations = violations
        self.execError = execError
    }

    /// The exit status a shell would see: the tool's code, 128+signal, 124 for a timeout (as
    /// timeout(1)), 126/127 when the command cannot be executed or is not found.
    public var shellStatus: Int32 {
        if timedOut { return 124 }
        if let exitCode { return Int32(exitCode) }
        if let signal { return 128 + Int32(signal) }
        return 125
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "exit_code": exitCode.map { .int(Int64($0)) } ?? .null,
            "signal": signal.map { .int(Int64($0)) } ?? .null,
            "timed_out": .bool(timedOut),
            "limit_fired": limitFired.map { .string($0.rawValue) } ?? .null,
            "limits_fired": .array(limitsFired.map { .string($0.rawValue) }),
            "stdout_truncated": .bool(stdoutTruncated),
            "stderr_truncated": .bool(stderrTruncated),
            "duration_ms": .int(Int64(durationMs)),
            "profile": .object(["name": .string(profileName), "sha256": .string(profileSHA256)]),
            "violations": .array(violations.map(\.json)),
        ]
        object["exec_error"] = execError.map { .string($0) } ?? .null
        // Bytes, not text: a stream that is not UTF-8 travels as base64 (`docs/worker-protocol.md`).
        BinaryText.put(stdout, key: "stdout", encodingKey: "stdout_encoding", into: &object)
        BinaryText.put(stderr, key: "stderr", encodingKey: "stderr_encoding", into: &object)
        return .object(object)
    }
}
