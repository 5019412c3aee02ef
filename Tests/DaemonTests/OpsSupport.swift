#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Helpers of the operator-experience suites (health after restart, alert sinks, Prometheus
/// agreement, the runbook walk): scrapes, waits, background programs.
enum Ops {
    /// Scrapes `/metrics` until `ready` holds (bounded: 10 s); the last scrape either way.
    static func scrape(_ fixture: DaemonFixture, until ready: (PrometheusExposition) -> Bool = { _ in true }) throws
        -> PrometheusExposition
    {
        var last: PrometheusExposition?
        for _ in 0..<200 {
            let answer = try #require(RawHTTP.getText(socket: fixture.daemon.socketPath, target: "/metrics"))
            let parsed = try PrometheusExposition(parsing: answer.body)
            if ready(parsed) { return parsed }
            last = parsed
            pause(ms: 50)
        }
        return try #require(last)
    }

    /// Waits (bounded) until `condition` holds; whether it did.
    static func wait(timeoutMs: Int = 10_000, _ condition: () -> Bool) -> Bool {
        for _ in 0..<(timeoutMs / 50) {
            if condition() { return true }
            pause(ms: 50)
        }
        return condition()
    }

    static func pause(ms: Int) {
        var time = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        nanosleep(&time, nil)
    }

    /// The first of `candidates` that is an executable file.
    static func executable(_ candidates: String...) -> String? {
        candidates.first { access($0, X_OK) == 0 }
    }

    static let python = executable("/usr/bin/python3", "/usr/local/bin/python3")
    static let openssl = executable("/usr/bin/openssl", "/usr/local/bin/openssl")
    static let promtool = executable("/usr/bin/promtool", "/usr/local/bin/promtool")

    /// Runs argv with `environment` (name=value) added to ours and stdin from /dev/null.
    static func run(_ argv: [String], environment: [String] = [], directory: TempDirectory) -> (status: Int32, out: String, err: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let out = directory.file("run-\(UInt32.random(in: 0...UInt32.max)).out")
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, out + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer {
            unlink(out)
            unlink(out + ".err")
        }
        var env: [String] = []
        var index = 0
        while let entry = environ[index] {
            env.append(String(cString: entry))
            index += 1
        }
        let names = Set(environment.map { $0.prefix { $0 != "=" } })
        env = env.filter { !names.contains($0.prefix { $0 != "=" }) } + environment
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            cargs.forEach { free($0) }
            cenv.forEach { free($0) }
        }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cargs, cenv) == 0 else { return (-1, "", "posix_spawn \(argv[0]) failed") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, readTextFile(out) ?? "", readTextFile(out + ".err") ?? "")
    }
}

/// Starts `argv` with stdin from /dev/null and stdout to the file `stdout` (stderr stays the
/// test's), and returns without waiting: the caller reaps the pid.
func spawnUnwaited(_ argv: [String], stdout: String) -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], &actions, nil, cargs, environ) == 0 else { return nil }
    return pid
}

/// A program running in the background for one test (a TLS endpoint), killed when it goes away.
final class BackgroundProgram {
    let pid: pid_t

    init(_ argv: [String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cargs, environ)
        guard rc == 0 else { throw DaemonProcess.Failure(description: "posix_spawn \(argv[0]): \(rc)") }
        self.pid = pid
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
