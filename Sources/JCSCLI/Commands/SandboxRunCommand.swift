import ArgumentParser

struct SandboxRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one command in a new sandbox and report what the kernel refused.",
        discussion: """
            The command runs in new user, mount, pid, network, ipc and uts namespaces, with the project \
            directory (--root, default: the current directory) mounted read-write at the profile's workspace \
            path (/workspace) and used as the working directory; system directories are read-only, /proc, \
            /dev and /tmp are private. Every capability is dropped, no_new_privs is set, and the profile's \
            seccomp filter is loaded last. Network calls to anything but the sandbox's own loopback are \
            denied and reported with their address; denied syscalls are reported by name.

            Without --json, the command's stdout and stderr stream through, each violation is printed to \
            stderr as it happens ("jcs: violation: …"), and jcs exits with the command's status. With \
            --json, jcs prints one object: exit_code, signal, timed_out, limit_fired (null, timeout, memory, \
            pids, output, file_size, cpu or disk), limits_fired, stdout, stderr (each base64, with \
            stdout_encoding/stderr_encoding "base64", when it is not UTF-8), stdout_truncated, \
            stderr_truncated, duration_ms, profile {name, sha256}, violations [{kind, syscall, family, \
            address, port, path, args, limit, at}], exec_error; the exit status is the same as without \
            --json.

            When output exceeds --max-output-bytes on stdout or stderr, the rest is dropped and the command \
            is killed (limit_fired: output).

            EXIT STATUS
              N      the command's own status
              124    the command timed out
              125    the sandbox could not be set up (reason on stderr;
                     {"error": …} with --json)
              126    the command is not executable
              127    the command was not found
              128+N  signal N killed the command (137 for the memory and
                     output limits)

            EXAMPLES
              jcs sandbox run -- sh -c 'echo hello > note.txt; cat note.txt'
              jcs sandbox run --profile strict --timeout-ms 2000 --json -- \\
                  python3 -c 'import socket; socket.create_connection(("1.1.1.1", 80))'
              jcs sandbox run --profile ./my-profile.json --root ~/src/app \\
                  --env TERM=xterm -- make test
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

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    var options: SandboxRunOptions {
        SandboxRunOptions(
            profile: profile, root: root, timeoutMs: timeoutMs, memoryMB: memoryMB, maxProcs: maxProcs,
            maxOutputBytes: maxOutputBytes, env: env, json: json,
            command: command.first == "--" ? Array(command.dropFirst()) : command)
    }

    func validate() throws {
        if let problem = options.problems().first { throw ValidationError(problem) }
    }

    func run() throws {
        SandboxRunner.run(options)
    }
}
