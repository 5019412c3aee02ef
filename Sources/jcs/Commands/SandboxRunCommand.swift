#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Sandbox

struct SandboxRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one command in a new sandbox and report what the kernel refused.",
        discussion: """
            The command runs in new user, mount, pid, network, ipc and uts namespaces, with the
            project directory (--root, default: the current directory) mounted read-write at the
            profile's workspace path (/workspace) and used as the working directory; system
            directories are read-only, /proc, /dev and /tmp are private. Every capability is
            dropped, no_new_privs is set, and the profile's seccomp filter is loaded last.
            Network calls to anything but the sandbox's own loopback are denied and reported with
            their address; denied syscalls are reported by name.

            Without --json, the command's stdout and stderr stream through, each violation is
            printed to stderr as it happens ("jcs: violation: …"), and jcs exits with the
            command's status. With --json, jcs prints one object: exit_code, signal, timed_out,
            limit_fired (null, timeout, memory, pids, output, file_size or cpu), limits_fired,
            stdout, stderr, stdout_truncated, stderr_truncated, duration_ms, profile {name,
            sha256}, violations [{kind, syscall, family, address, port, path, args, limit, at}],
            exec_error; the exit status is the same as without --json.

            When output exceeds --max-output-bytes on stdout or stderr, the rest is dropped and
            the command is killed (limit_fired: output).

            EXIT STATUS
              the command's own status; 124 when it timed out; 125 when the sandbox could not be
              set up (the reason is printed to stderr, or as {"error": …} with --json); 126 when
              the command is not executable; 127 when it was not found; 128+N when signal N
              killed it (137 for memory and output limits).

            EXAMPLES
              jcs sandbox run -- sh -c 'echo hello > note.txt; cat note.txt'
              jcs sandbox run --profile strict --timeout-ms 2000 --json -- python3 -c 'import socket; socket.create_connection(("1.1.1.1", 80))'
              jcs sandbox run --profile ./my-profile.json --root ~/src/app --env TERM=xterm -- make test
            """
    )

    @Option(name: .long, help: "A built-in profile (default, strict, build) or a profile file.")
    var profile: String = "default"

    @Option(name: .long, help: "The project directory mounted at the workspace path (default: the current directory).")
    var root: String?

    @Option(name: .customLong("timeout-ms"), help: "Wall-clock limit in milliseconds (overrides the profile).")
    var timeoutMs: Int?

    @Option(name: .customLong("memory-mb"), help: "Memory limit in MiB (overrides the profile).")
    var memoryMB: Int?

    @Option(name: .customLong("max-procs"), help: "Process limit (overrides the profile).")
    var maxProcs: Int?

    @Option(name: .customLong("max-output-bytes"), help: "Cap on each of stdout and stderr (overrides the profile).")
    var maxOutputBytes: Int?

    @Option(name: .customLong("env"), help: ArgumentHelp("Pass KEY=VALUE to the command; KEY must be allowed by the profile.", valueName: "KEY=VALUE"))
    var env: [String] = []

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        let argv = command.first == "--" ? Array(command.dropFirst()) : command
        guard !argv.isEmpty else { throw ValidationError("missing the command to run (after --)") }
        try Self.check("--timeout-ms", timeoutMs, 1...86_400_000)
        try Self.check("--memory-mb", memoryMB, 8...1_048_576)
        try Self.check("--max-procs", maxProcs, 1...65_536)
        try Self.check("--max-output-bytes", maxOutputBytes, 0...1_073_741_824)
        for pair in env where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--env '\(pair)': expected KEY=VALUE")
        }
    }

    private static func check(_ name: String, _ value: Int?, _ range: ClosedRange<Int>) throws {
        if let value, !range.contains(value) {
            throw ValidationError("\(name) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }

    func run() throws {
        Trace.mark("arguments parsed")
        let argv = command.first == "--" ? Array(command.dropFirst()) : command
        var environment: [(String, String)] = []
        for pair in env {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            environment.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
        }
        let result: SandboxResult
        do {
            var profile = try ProfileResolver.resolve(nameOrPath: self.profile)
            if let timeoutMs { profile.limits.timeoutMs = timeoutMs }
            if let memoryMB { profile.limits.memoryMB = memoryMB }
            if let maxProcs { profile.limits.maxProcs = maxProcs }
            if let maxOutputBytes { profile.limits.maxOutputBytes = maxOutputBytes }
            Trace.mark("profile resolved")
            let compile = BackgroundCompile(profile: profile)
            let sandbox = try Sandbox.prepare(profile: profile, root: root ?? ".", stdin: .inherit(0))
            let filter = try compile.program()
            Trace.mark("filter compiled")
            let request = RunRequest(argv: argv, environment: environment)
            let streaming = !json
            result = try sandbox.run(
                request, filter: filter,
                output: streaming ? { fd, chunk in Self.writeAll(fd, chunk) } : nil,
                onViolation: streaming ? { Self.writeAll(2, Array("jcs: violation: \(Self.describe($0))\n".utf8)[...]) } : nil)
        } catch let error as ProfileLoadError {
            Self.setupFailed(code: "invalid_profile", message: error.description, json: json)
        } catch let error as SandboxError {
            Self.setupFailed(code: error.code, message: error.description, json: json)
        }
        if json {
            print(JSONWriter.text(result.json, style: .canonical))
        } else if let message = result.execError {
            Self.writeAll(2, Array("jcs: \(message)\n".utf8)[...])
        } else if let limit = result.limitFired {
            Self.writeAll(2, Array("jcs: limit fired: \(limit.rawValue)\n".utf8)[...])
        }
        throw ExitCode(result.shellStatus)
    }

    private static func setupFailed(code: String, message: String, json: Bool) -> Never {
        if json {
            print(JSONWriter.text(["error": ["code": .string(code), "message": .string(message)]]))
        } else {
            writeAll(2, Array("jcs: sandbox set-up failed: \(message)\n".utf8)[...])
        }
        Glibc.exit(125)
    }

    static func describe(_ v: Violation) -> String {
        var parts = [v.kind]
        if let syscall = v.syscall { parts.append(syscall) }
        if let limit = v.limit { parts.append(limit) }
        if let family = v.family { parts.append(family) }
        if let address = v.address {
            parts.append(v.port.map { address.contains(":") ? "[\(address)]:\($0)" : "\(address):\($0)" } ?? address)
        }
        if let path = v.path { parts.append(path) }
        return parts.joined(separator: " ")
    }

    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            rest = rest.dropFirst(n)
        }
    }
}
