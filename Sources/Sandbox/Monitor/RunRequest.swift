import CSandbox

/// One command to run in a prepared sandbox.
public struct RunRequest: Sendable, Equatable {
    /// The command and its arguments; `argv[0]` is searched in `PATH` unless it contains a `/`.
    public var argv: [String]
    /// Variables the caller asks for, on top of the profile's `environment.set`. Each name must
    /// be allowed by the profile's `environment.allow`, or the request is refused.
    public var environment: [(String, String)]
    /// The working directory inside the sandbox; nil means the workspace.
    public var workingDirectory: String?
    /// The way out through the coordinator's egress proxy; nil keeps the network closed.
    public var egress: EgressRoute?

    public init(
        argv: [String], environment: [(String, String)] = [], workingDirectory: String? = nil,
        egress: EgressRoute? = nil
    ) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.egress = egress
    }

    public static func == (lhs: RunRequest, rhs: RunRequest) -> Bool {
        lhs.argv == rhs.argv && lhs.environment.map { "\($0)=\($1)" } == rhs.environment.map { "\($0)=\($1)" }
            && lhs.workingDirectory == rhs.workingDirectory && lhs.egress == rhs.egress
    }

    /// The final environment: the profile's fixed variables, overridden by allowed request ones.
    func effectiveEnvironment(profile: Profile) throws(SandboxError) -> [(String, String)] {
        var merged = profile.environment.set
        for (name, value) in environment {
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "=")), !name.utf8.contains(0), !value.utf8.contains(0)
            else { throw .invalidRequest(field: "env.\(name)", reason: "names must be non-empty without '=' or NUL, values without NUL") }
            guard profile.environment.allows(name) else {
                throw .invalidRequest(
                    field: "env.\(name)",
                    reason: "not allowed by profile '\(profile.name)' (add it to environment.allow)")
            }
            merged[name] = value
        }
        // Last, so that no allowed name can point a proxy-aware tool elsewhere.
        if egress != nil {
            for (name, value) in EgressRoute.environment { merged[name] = value }
        }
        return merged.sorted { $0.key < $1.key }
    }

    /// The run message the child reads (format: `csandbox.h`, after `CSB_TAG_RUN`).
    ///
    /// - Parameters:
    ///   - rlimitAS: the address-space cap, set only when no memory cgroup enforces memory.
    ///   - pidsCgroup: whether a pids cgroup enforces the process limit (and counts refusals).
    func message(profile: Profile, rlimitAS: UInt64, pidsCgroup: Bool) throws(SandboxError) -> [UInt8] {
        guard let command = argv.first, !command.isEmpty else {
            throw .invalidRequest(field: "argv", reason: "empty command")
        }
        if argv.contains(where: { $0.utf8.contains(0) }) {
            throw .invalidRequest(field: "argv", reason: "arguments cannot contain NUL bytes")
        }
        let env = try effectiveEnvironment(profile: profile)
        let limits = profile.limits
        var out: [UInt8] = []
        var rlimits = [UInt64](repeating: 0, count: Int(CSB_RLIMIT_COUNT.rawValue))
        rlimits[Int(CSB_RLIMIT_AS.rawValue)] = rlimitAS
        // RLIMIT_NPROC counts per user namespace here; init is one of the processes. With a pids
        // cgroup it stays one above the cgroup's limit, as a backstop: the kernel checks it
        // first, and a fork it refuses is never counted in pids.events.
        rlimits[Int(CSB_RLIMIT_NPROC.rawValue)] = UInt64(limits.maxProcs + (pidsCgroup ? 2 : 1))
        rlimits[Int(CSB_RLIMIT_FSIZE.rawValue)] = UInt64(limits.fileSizeMB) << 20
        rlimits[Int(CSB_RLIMIT_CPU.rawValue)] = UInt64(limits.cpuSeconds)
        rlimits[Int(CSB_RLIMIT_NOFILE.rawValue)] = UInt64(limits.maxOpenFiles)
        for value in rlimits { out.appendLE(value) }
        out.appendCString(workingDirectory ?? profile.filesystem.workspacePath)
        out.appendLE(UInt32(argv.count))
        for arg in argv { out.appendCString(arg) }
        out.appendLE(UInt32(env.count))
        for (name, value) in env { out.appendCString("\(name)=\(value)") }
        out.appendCString(env.first { $0.0 == "PATH" }?.1 ?? "/usr/local/bin:/usr/bin:/bin")
        guard out.count <= 4 << 20 else {
            throw .invalidRequest(field: "argv", reason: "arguments and environment exceed 4 MiB")
        }
        return out
    }
}
