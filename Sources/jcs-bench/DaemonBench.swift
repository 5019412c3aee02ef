#if canImport(Glibc)
import Glibc
#endif
import Sandbox

// jcs-bench daemon [--iterations N] [--warmup N] [--rounds N] [--projects N] [--conversations N]
//                  [--bin DIR] [--skip-scale] [--trace] [--json]
//
// `shell.run` of /bin/true through the daemon's API (HTTP over the Unix socket, one connection per
// call, as `jcs` makes them) against baselines measured in the same run, in interleaved rounds:
//   warm    the same sandboxed /bin/true through a full in-process warm WorkerPool (the floor the
//           API adds to)
//   bwrap   `bwrap --unshare-all /bin/true` with 2 parallel callers (throughput)
//   api     1, 2, 4, 8 concurrent clients: calls/s, p50, p99
// then `--projects` projects x `--conversations` idle conversations on a second daemon, its RSS
// and its 1-client p50 against the one-project daemon's, again interleaved. Targets are computed
// from the medians of the per-round ratios and printed PASS/FAIL; nothing is asserted. With
// `--trace`, a third daemon runs with JCS_TRACE=1 (so the measured ones stay untraced) and its
// calls at 1 and 8 clients are broken down into phases (median µs per call, `TraceBreakdown`).
//
// jcs-bench soak [--minutes N] [--clients N] [--bin DIR] [--json]
//
// One daemon, its maximum throughput (N clients, tool calls inside conversations), then N minutes
// at 80 % of it, paced: RSS and descriptor count at the start, after the first tenth (warm-up: the
// bounded caches fill) and at the end, each after 2 s of quiet, with the daemon's own account of
// each bounded structure (`GET /v1/memory`); the RSS target judges growth after warm-up, and the
// raw growth is printed beside it. Then orphan processes, and every acknowledged call looked up
// again in the journal after a restart.

struct DaemonBenchOptions {
    var iterations = 400
    var warmup = 40
    var rounds = 3
    var projects = 100
    var conversations = 10
    var minutes = 10.0
    var clients = 8
    var bin = ""
    var scale = true
    var trace = false
    var json = false
}

/// Daemons started and not yet stopped: `fail()` exits without running `defer`s, and a daemon
/// left behind would keep its socket, its data directory and its warm sandboxes.
nonisolated(unsafe) private var runningDaemons: [pid_t] = []

nonisolated(unsafe) private var atexitRegistered = false

/// Daemons are started and stopped from the main thread only.
private func stopDaemonsAtExitOnce() {
    guard !atexitRegistered else { return }
    atexitRegistered = true
    atexit {
        for pid in runningDaemons {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}

/// A `jcs-coordinator serve` on a temporary data directory, stopped and removed at the end.
final class BenchDaemon: @unchecked Sendable {
    let pid: pid_t
    let socket: String
    let dataDir: String
    let work: String

    /// - Parameter environment: `NAME=value` entries added to the bench's own environment.
    init(bin: String, work: String, reuse: Bool = false, environment: [String] = []) {
        self.work = work
        socket = work + "/jcs.sock"
        dataDir = work + "/data"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, work + "/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let argv = [bin + "/jcs-coordinator", "serve", "--data-dir", dataDir, "--socket", socket]
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var inherited: [String] = []
        var entry = environ
        while let text = entry.pointee {
            inherited.append(String(cString: text))
            entry += 1
        }
        let cenv: [UnsafeMutablePointer<CChar>?] = (inherited + environment).map { strdup($0) } + [nil]
        defer { cenv.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, argv[0], &actions, nil, cargs, cenv) == 0 else { fail("cannot start \(argv[0])") }
        pid = child
        if runningDaemons.isEmpty { stopDaemonsAtExitOnce() }
        runningDaemons.append(child)
        for _ in 0..<600 {
            if HTTP.request(socket, "GET", "/v1/health")?.status == 200 { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { fail("the daemon exited; see \(work)/daemon.log") }
            usleep(50_000)
        }
        fail("the daemon did not come up; see \(work)/daemon.log")
    }

    /// SIGTERM, then waits for the exit (everything acknowledged is on disk by then).
    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        runningDaemons.removeAll { $0 == pid }
    }

    func startProject(_ id: String, root: String) {
        mkdir(root, 0o700)
        let answer = HTTP.request(socket, "POST", "/v1/projects", body: "{\"root\":\"\(root)\",\"id\":\"\(id)\"}")
        guard answer?.status == 201 else { fail("project \(id): \(answer?.status ?? 0) \(answer?.body ?? "")") }
    }

    func startConversation(_ project: String, _ id: String) {
        let answer = HTTP.request(
            socket, "POST", "/v1/projects/\(project)/conversations", body: "{\"id\":\"\(id)\"}")
        guard answer?.status == 201 else { fail("conversation \(id): \(answer?.status ?? 0) \(answer?.body ?? "")") }
    }

    /// `shell.run` of /bin/true; true when it completed with exit code 0.
    func callTrue(_ project: String, conversation: String? = nil, correlation: String? = nil) -> Bool {
        var body = "{\"args\":{\"argv\":[\"/bin/true\"]}"
        if let conversation { body += ",\"conversation\":\"\(conversation)\"" }
        if let correlation { body += ",\"correlation_id\":\"\(correlation)\"" }
        body += "}"
        guard let answer = HTTP.request(socket, "POST", "/v1/projects/\(project)/tools/shell.run/run", body: body),
            answer.status == 200, let json = try? JSONParser.parse(answer.body)
        else { return false }
        return json["status"]?.stringValue == "completed" && json["output"]?["exit_code"]?.intValue == 0
    }

    /// VmRSS in KiB and open descriptors.
    var usage: (rssKiB: Int, fds: Int) {
        let status = readText("/proc/\(pid)/status")
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        return (rss, directoryCount("/proc/\(pid)/fd"))
    }
}

/// HTTP/1.1 over the Unix socket, one connection per request (`Connection: close`).
enum HTTP {
    struct Answer {
        var status: Int
        var body: String
    }

    static func request(_ path: String, _ method: String, _ target: String, body: String = "") -> Answer? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return nil }
        let payload = Array(body.utf8)
        let head =
            "\(method) \(target) HTTP/1.1\r\nHost: jcs\r\nConnection: close\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(payload.count)\r\n\r\n"
        let out = Array(head.utf8) + payload
        var offset = 0
        while offset < out.count {
            let n = out.withUnsafeBytes { send(fd, $0.baseAddress! + offset, out.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            offset += n
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
        guard data.count > 12, let split = find(data, [13, 10, 13, 10]),
            let status = Int(String(decoding: data[9..<12], as: UTF8.self))
        else { return nil }
        return Answer(status: status, body: String(decoding: data[(split + 4)...], as: UTF8.self))
    }

    private static func find(_ data: [UInt8], _ needle: [UInt8]) -> Int? {
        guard data.count >= needle.count else { return nil }
        for i in 0...(data.count - needle.count) where data[i] == needle[0] && Array(data[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}

func readText(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 8192)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        data.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: data, as: UTF8.self)
}

func directoryCount(_ path: String) -> Int {
    guard let dir = opendir(path) else { return -1 }
    defer { closedir(dir) }
    var count = 0
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { count += 1 }
    }
    return count
}

/// Processes whose executable is `executable` (the worker binary under test), by pid.
func processes(running executable: String) -> [pid_t] {
    guard let dir = opendir("/proc") else { return [] }
    defer { closedir(dir) }
    var found: [pid_t] = []
    var buffer = [CChar](repeating: 0, count: 4096)
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let pid = Int32(name) else { continue }
        let n = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { continue }
        let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if exe == executable { found.append(pid) }
    }
    return found
}

func loadAverage() -> String {
    readText("/proc/loadavg").split(separator: " ").prefix(3).joined(separator: " ")
}

func median(_ values: [Double]) -> Double {
    let sorted = values.filter(\.isFinite).sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func makeTemporaryDirectory(_ prefix: String) -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { fail("mkdtemp failed") }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func removeTree(_ path: String) {
    _ = spawnQuietly(["/bin/rm", "-rf", path])
}

/// One measured case of one round.
struct Sample {
    var latencies: [UInt64]
    var wallNs: UInt64
    var failures: Int
    var p50: Double { percentile(latencies, 0.5) }
    var p99: Double { percentile(latencies, 0.99) }
    var callsPerSecond: Double { Double(latencies.count) / (Double(wallNs) / 1e9) }
}

struct Verdict {
    var name: String
    var value: Double
    var target: String
    var pass: Bool
}

enum DaemonBench {
    static func parse(_ arguments: [String]) -> DaemonBenchOptions {
        var options = DaemonBenchOptions()
        var args = arguments
        func number(_ flag: String) -> Double {
            guard !args.isEmpty, let value = Double(args.removeFirst()), value > 0 else { fail("\(flag) needs a positive number") }
            return value
        }
        while let arg = args.first {
            args.removeFirst()
            switch arg {
            case "--iterations": options.iterations = Int(number(arg))
            case "--warmup": options.warmup = Int(number(arg))
            case "--rounds": options.rounds = Int(number(arg))
            case "--projects": options.projects = Int(number(arg))
            case "--conversations": options.conversations = Int(number(arg))
            case "--minutes": options.minutes = number(arg)
            case "--clients": options.clients = Int(number(arg))
            case "--bin":
                guard !args.isEmpty else { fail("--bin needs a directory") }
                options.bin = args.removeFirst()
            case "--skip-scale": options.scale = false
            case "--trace": options.trace = true
            case "--json": options.json = true
            default: fail("unknown argument \(arg)")
            }
        }
        if options.bin.isEmpty { options.bin = ownDirectory() }
        for binary in ["jcs-coordinator", "jcs-worker"] where access(options.bin + "/" + binary, X_OK) != 0 {
            fail("\(options.bin)/\(binary) is missing (build it, or pass --bin)")
        }
        return options
    }

    static func ownDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = String(decoding: buffer[0..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }

    static func sample(callers: Int, total: Int, untimed: (@Sendable () -> Void)? = nil, _ body: @escaping @Sendable () -> Bool) -> Sample {
        let (latencies, wall, failures) = measure(
            callers: callers, count: max(1, total / callers), untimed: untimed, body: body)
        return Sample(latencies: latencies, wallNs: wall, failures: failures)
    }

    static func bwrapArgv(workspace: String) -> [String]? {
        let candidates: [String] = ["/usr/bin/bwrap", "/bin/bwrap"]
        guard let bwrap = candidates.first(where: { (path: String) in access(path, X_OK) == 0 }) else { return nil }
        return [
            bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
            "--ro-bind", "/etc", "/etc", "--bind", workspace, "/workspace", "--proc", "/proc", "--dev", "/dev",
            "--tmpfs", "/tmp", "--chdir", "/workspace", "/bin/true",
        ]
    }

    // MARK: - daemon

    static func runDaemon(_ arguments: [String]) {
        let options = parse(arguments)
        let work = makeTemporaryDirectory("jcs-bench-daemon")
        defer { removeTree(work) }
        mkdir(work + "/one", 0o700)
        let daemon = BenchDaemon(bin: options.bin, work: work + "/one")
        defer { daemon.stop() }
        daemon.startProject("bench", root: work + "/one/project")

        let profile: Profile
        do { profile = try ProfileResolver.resolve(nameOrPath: "default") } catch { fail("profile: \(error)") }
        let filter: SeccompProgram
        do { filter = try SeccompProgram(profile: profile) } catch { fail("filter: \(error)") }
        let workspace = work + "/warm"
        mkdir(workspace, 0o700)
        let pool = WorkerPool(
            executable: options.bin + "/jcs-worker", root: workspace, profile: profile, filter: filter, size: 2)
        defer { pool.shutdown() }
        guard let bwrap = bwrapArgv(workspace: workspace) else {
            fail("bwrap not found: the throughput baseline needs it (scripts/setup installs bubblewrap)")
        }

        let warm: @Sendable () -> Bool = {
            (try? pool.take().run(argv: ["/bin/true"]).exitCode) == 0
        }
        let api: @Sendable () -> Bool = { daemon.callTrue("bench") }
        let bwrapCall: @Sendable () -> Bool = { spawnQuietly(bwrap) == 0 }
        let full: @Sendable () -> Void = { try? pool.waitUntilFull() }
        let jcs = options.bin + "/jcs"
        let cli: @Sendable () -> Bool = {
            spawnQuietly([jcs, "sandbox", "run", "--root", workspace, "--", "/bin/true"]) == 0
        }
        let mcpBody =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"shell.run\","
            + "\"arguments\":{\"argv\":[\"/bin/true\"]}}}"
        let mcp: @Sendable () -> Bool = {
            guard let answer = HTTP.request(daemon.socket, "POST", "/v1/projects/bench/mcp", body: mcpBody),
                answer.status == 200, let json = try? JSONParser.parse(answer.body)
            else { return false }
            return json["result"]?["isError"]?.boolValue == false
        }
        let health: @Sendable () -> Bool = { HTTP.request(daemon.socket, "GET", "/v1/health")?.status == 200 }
        // What durability alone costs on this disk: an answer waits for one group commit after the
        // run, so the warm worker plus one of these is the floor of the API's 1-client p50.
        let syncFile = OwnedFD(open(work + "/fdatasync-probe", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600))
        defer { syncFile.close() }
        let syncFD = syncFile.raw
        let fsync: @Sendable () -> Bool = {
            let page = [UInt8](repeating: 0x2a, count: 4096)
            return page.withUnsafeBytes { write(syncFD, $0.baseAddress, $0.count) } == 4096 && fdatasync(syncFD) == 0
        }
        let hasCLI = access(jcs, X_OK) == 0

        log("bench: warming up (load average \(loadAverage()))")
        _ = sample(callers: 1, total: options.warmup, untimed: full, warm)
        _ = sample(callers: 2, total: options.warmup, bwrapCall)
        _ = sample(callers: 8, total: options.warmup * 2, api)

        let clientCounts = [1, 2, 4, 8]
        var samples: [String: [Sample]] = [:]
        var loads: [String] = []
        for round in 1...options.rounds {
            loads.append(loadAverage())
            log("bench: round \(round)/\(options.rounds) (load average \(loads.last!))")
            samples["warm worker, 1 caller", default: []].append(
                sample(callers: 1, total: options.iterations / 2, untimed: full, warm))
            samples["api, 1 client", default: []].append(sample(callers: 1, total: options.iterations / 2, api))
            samples["api MCP call, 1 client", default: []].append(sample(callers: 1, total: options.iterations / 4, mcp))
            samples["GET /v1/health, 1 client", default: []].append(sample(callers: 1, total: options.iterations / 4, health))
            if hasCLI {
                samples["jcs sandbox run, 1 caller", default: []].append(sample(callers: 1, total: options.iterations / 4, cli))
            }
            samples["bwrap, 2 callers", default: []].append(sample(callers: 2, total: options.iterations, bwrapCall))
            samples["fdatasync 4 KiB, 1 caller", default: []].append(sample(callers: 1, total: options.iterations / 4, fsync))
            for clients in clientCounts.dropFirst() {
                samples["api, \(clients) clients", default: []].append(
                    sample(callers: clients, total: options.iterations, api))
            }
        }
        let order =
            ["warm worker, 1 caller", "bwrap, 2 callers", "fdatasync 4 KiB, 1 caller"] + (hasCLI ? ["jcs sandbox run, 1 caller"] : [])
            + ["GET /v1/health, 1 client", "api MCP call, 1 client"]
            + clientCounts.map { $0 == 1 ? "api, 1 client" : "api, \($0) clients" }

        func ratios(_ f: (Int) -> Double) -> [Double] { (0..<options.rounds).map(f) }
        let p50Ratio = median(ratios { samples["api, 1 client"]![$0].p50 / samples["warm worker, 1 caller"]![$0].p50 })
        let throughputRatio = median(
            ratios { samples["api, 8 clients"]![$0].callsPerSecond / samples["bwrap, 2 callers"]![$0].callsPerSecond })
        let tail = median(ratios { samples["api, 8 clients"]![$0].p99 / samples["api, 8 clients"]![$0].p50 })
        let durableFloor = median(
            ratios {
                (samples["warm worker, 1 caller"]![$0].p50 + samples["fdatasync 4 KiB, 1 caller"]![$0].p50)
                    / samples["warm worker, 1 caller"]![$0].p50
            })
        var verdicts = [
            Verdict(name: "api 1 client p50 / warm worker p50", value: p50Ratio, target: "<= 1.25", pass: p50Ratio <= 1.25),
            Verdict(
                name: "api 8 clients calls/s / bwrap 2 callers calls/s", value: throughputRatio, target: ">= 1.50",
                pass: throughputRatio >= 1.5),
            Verdict(name: "api 8 clients p99 / p50", value: tail, target: "< 4.00", pass: tail < 4),
        ]
        var rows: [(String, Sample)] = []
        for name in order {
            let rounds = samples[name]!
            let merged = Sample(
                latencies: rounds.flatMap(\.latencies).sorted(), wallNs: rounds.reduce(0) { $0 + $1.wallNs },
                failures: rounds.reduce(0) { $0 + $1.failures })
            rows.append((name, merged))
        }

        let trace = options.trace ? traceBreakdown(options, work: work) : nil

        var scale: (rssOne: Int, rssMany: Int, p50One: Double, p50Many: Double, ratio: Double)?
        if options.scale {
            log("bench: starting \(options.projects) projects x \(options.conversations) conversations on a second daemon")
            mkdir(work + "/many", 0o700)
            let many = BenchDaemon(bin: options.bin, work: work + "/many")
            defer { many.stop() }
            many.startProject("bench", root: work + "/many/project")
            for p in 1..<max(1, options.projects) {
                many.startProject("p\(p)", root: work + "/many/p\(p)")
            }
            for p in 0..<max(1, options.projects) {
                for c in 0..<options.conversations { many.startConversation(p == 0 ? "bench" : "p\(p)", "c\(c)") }
            }
            let manyCall: @Sendable () -> Bool = { many.callTrue("bench") }
            _ = sample(callers: 1, total: options.warmup, manyCall)
            var one: [Sample] = []
            var hundred: [Sample] = []
            for round in 1...options.rounds {
                log("bench: scale round \(round)/\(options.rounds) (load average \(loadAverage()))")
                one.append(sample(callers: 1, total: options.iterations / 2, api))
                hundred.append(sample(callers: 1, total: options.iterations / 2, manyCall))
            }
            // Idle again, so the RSS is the projects' and conversations', not a burst's.
            usleep(2_000_000)
            let ratio = median(ratios { hundred[$0].p50 / one[$0].p50 })
            scale = (
                daemon.usage.rssKiB, many.usage.rssKiB, median(one.map(\.p50)), median(hundred.map(\.p50)), ratio
            )
            verdicts.append(
                Verdict(
                    name: "coordinator RSS with \(options.projects) projects x \(options.conversations) conversations (MiB)",
                    value: Double(scale!.rssMany) / 1024, target: "<= 60", pass: Double(scale!.rssMany) / 1024 <= 60))
            verdicts.append(
                Verdict(
                    name: "api 1 client p50, \(options.projects) projects / 1 project", value: ratio, target: "<= 1.10",
                    pass: ratio <= 1.10))
        }

        if options.json {
            var object: [String: JSONValue] = [
                "rounds": .int(Int64(options.rounds)), "iterations": .int(Int64(options.iterations)),
                "load_average": .array(loads.map { .string($0) }),
                "rows": .array(rows.map { name, s in
                    [
                        "case": .string(name), "p50_ms": .double(s.p50), "p99_ms": .double(s.p99),
                        "calls_per_s": .double(s.callsPerSecond), "failures": .int(Int64(s.failures)),
                    ]
                }),
                "targets": .array(verdicts.map { v in
                    ["name": .string(v.name), "value": .double(v.value), "target": .string(v.target), "pass": .bool(v.pass)]
                }),
                "durable_floor_ratio": .double(durableFloor),
            ]
            if let trace {
                object["trace"] = .array(trace.phases.map { phase in
                    [
                        "phase": .string(phase), "one_client_us": .double(trace.one.medianUs(phase)),
                        "eight_clients_us": .double(trace.eight.medianUs(phase)),
                    ]
                })
            }
            if let scale {
                object["scale"] = [
                    "projects": .int(Int64(options.projects)), "conversations": .int(Int64(options.conversations)),
                    "rss_one_project_kib": .int(Int64(scale.rssOne)), "rss_kib": .int(Int64(scale.rssMany)),
                    "p50_one_project_ms": .double(scale.p50One), "p50_ms": .double(scale.p50Many),
                ]
            }
            print(JSONWriter.text(.object(object)))
            return
        }
        print("shell.run /bin/true over the API (Unix socket, a connection per call) and its baselines,")
        print("\(options.rounds) interleaved rounds of \(options.iterations) calls per case; load average per round: \(loads.joined(separator: " | "))")
        print("case                       calls/s   p50 ms   p99 ms  failures")
        for (name, s) in rows {
            print(
                [name.padding(26), fmt(s.callsPerSecond, 0).padding(9), fmt(s.p50).padding(8), fmt(s.p99).padding(8),
                 String(s.failures)].joined(separator: " "))
        }
        if let trace {
            print(
                "phase breakdown (JCS_TRACE=1 on a third daemon; median µs per call; \(trace.one.calls) calls at 1 client, "
                    + "\(trace.eight.calls) at 8):")
            print("  1 client  8 clients  phase")
            for phase in trace.phases {
                print("  " + fmt(trace.one.medianUs(phase), 0).padding(9) + " " + fmt(trace.eight.medianUs(phase), 0).padding(10) + " " + phase)
            }
        }
        if let scale {
            print(
                "\(options.projects) projects x \(options.conversations) idle conversations: coordinator RSS "
                    + "\(fmt(Double(scale.rssMany) / 1024, 1)) MiB (one project: \(fmt(Double(scale.rssOne) / 1024, 1)) MiB); "
                    + "1-client p50 \(fmt(scale.p50Many)) ms (one project: \(fmt(scale.p50One)) ms)")
        }
        print("targets (medians of the per-round ratios):")
        for v in verdicts {
            print("  \(v.pass ? "PASS" : "FAIL")  \(v.name): \(fmt(v.value)) (target \(v.target))")
        }
        print(
            "  floor of the first: (warm worker p50 + fdatasync p50) / warm worker p50 = \(fmt(durableFloor)) "
                + "(an answer waits for one commit after the run)")
    }

    /// A daemon with JCS_TRACE=1, its calls at 1 then 8 clients cut out of its log and broken
    /// down into phases; the phases in the order first seen at either.
    static func traceBreakdown(_ options: DaemonBenchOptions, work: String) -> (
        one: TraceBreakdown, eight: TraceBreakdown, phases: [String]
    ) {
        log("bench: tracing a third daemon (JCS_TRACE=1) at 1 and 8 clients (load average \(loadAverage()))")
        mkdir(work + "/trace", 0o700)
        let traced = BenchDaemon(bin: options.bin, work: work + "/trace", environment: ["JCS_TRACE=1"])
        defer { traced.stop() }
        traced.startProject("bench", root: work + "/trace/project")
        let call: @Sendable () -> Bool = { traced.callTrue("bench") }
        let logPath = traced.work + "/daemon.log"
        _ = sample(callers: 8, total: options.warmup * 2, call)
        let start = readText(logPath).utf8.count
        _ = sample(callers: 1, total: options.iterations / 2, call)
        let middle = readText(logPath).utf8.count
        _ = sample(callers: 8, total: options.iterations, call)
        let bytes = Array(readText(logPath).utf8)
        func cut(_ from: Int, _ to: Int) -> Substring {
            Substring(String(decoding: bytes[min(from, bytes.count)..<min(to, bytes.count)], as: UTF8.self))
        }
        let one = TraceBreakdown(log: cut(start, middle))
        let eight = TraceBreakdown(log: cut(middle, bytes.count))
        var phases = one.phases
        for phase in eight.phases where !phases.contains(phase) { phases.append(phase) }
        return (one, eight, phases)
    }

    // MARK: - soak

    static func runSoak(_ arguments: [String]) {
        let options = parse(arguments)
        let clients = options.clients
        let work = makeTemporaryDirectory("jcs-bench-soak")
        defer { removeTree(work) }
        let worker = options.bin + "/jcs-worker"
        let strayBefore = Set(processes(running: worker))
        var daemon = BenchDaemon(bin: options.bin, work: work)
        daemon.startProject("soak", root: work + "/project")
        for c in 0..<clients { daemon.startConversation("soak", "c\(c)") }

        // What one acknowledged call leaves in the journal, from a probe.
        guard daemon.callTrue("soak", conversation: "c0", correlation: "probe") else { fail("the probe call failed") }
        let perCall = incidentTotal(daemon, conversation: "c0", correlation: "probe")
        guard perCall > 0 else { fail("the probe call left nothing in the journal") }

        // The maximum: closed loop, every client back to back.
        let acknowledged = Ledger(clients: clients)
        let maxStart = Timestamp.monotonicNs()
        let maximum = measureClients(clients: clients, seconds: 15, intervalNs: 0, daemon: daemon, ledger: acknowledged)
        let maxRate = Double(maximum) / (Double(Timestamp.monotonicNs() - maxStart) / 1e9)
        let rate = maxRate * 0.8
        log("bench: maximum \(fmt(maxRate, 0)) calls/s; soaking \(fmt(options.minutes, 1)) min at \(fmt(rate, 0)) calls/s")
        usleep(2_000_000)
        let start = daemon.usage
        let startMemory = SoakMemory(daemon)
        var samples: [(Int, Int)] = [start]
        let soakStart = Timestamp.monotonicNs()
        let seconds = options.minutes * 60
        // Sampled from its own thread, so the figures cover the whole soak, not its ends.
        final class Sampler: @unchecked Sendable {
            var samples: [(Int, Int)] = []
            var done = false
            var mutex = pthread_mutex_t()
            init() { pthread_mutex_init(&mutex, nil) }
        }
        let sampler = Sampler()
        let sampledDaemon = daemon
        DetachedThread.start {
            while true {
                usleep(5_000_000)
                pthread_mutex_lock(&sampler.mutex)
                if sampler.done { pthread_mutex_unlock(&sampler.mutex); return }
                sampler.samples.append(sampledDaemon.usage)
                pthread_mutex_unlock(&sampler.mutex)
            }
        }
        // Warm-up: the bounded caches that are meant to fill (the journal writer's page cache,
        // each conversation's kept results) fill here. It lasts the first tenth of the soak, and
        // longer while those caches are still filling (the writer's cache under 90 % of its
        // bound, or the kept results still growing), at most half the soak; the daemon is then
        // measured after the same 2 s of quiet as at the start and the end.
        let interval = UInt64(Double(clients) / rate * 1e9)
        var soaked = 0
        var warmSeconds = 0.0
        var keptBefore = startMemory.json["conversations"]?["kept_results"]?.intValue ?? -1
        var warmReason = "the first tenth"
        while true {
            let slice = warmSeconds < seconds * 0.1 ? seconds * 0.1 : min(5, seconds * 0.5 - warmSeconds)
            soaked += measureClients(clients: clients, seconds: slice, intervalNs: interval, daemon: daemon, ledger: acknowledged)
            warmSeconds += slice
            let now = SoakMemory(daemon)
            let kept = now.json["conversations"]?["kept_results"]?.intValue ?? 0
            let cache = now.json["store"]?["writer_cache_bytes"]?.intValue ?? 0
            let bound = now.json["store"]?["writer_cache_bound"]?.intValue ?? 0
            let filling = cache * 10 < bound * 9 || kept != keptBefore
            keptBefore = kept
            if !filling { break }
            if warmSeconds >= seconds * 0.5 - 0.001 {
                warmReason = "half the soak (the caches were still filling)"
                break
            }
            warmReason = "the first tenth, then until the caches were full"
        }
        usleep(2_000_000)
        let warm = daemon.usage
        let warmMemory = SoakMemory(daemon)
        let warmCalls = soaked
        soaked += measureClients(
            clients: clients, seconds: seconds - warmSeconds, intervalNs: interval, daemon: daemon, ledger: acknowledged)
        let soakWall = Double(Timestamp.monotonicNs() - soakStart) / 1e9 - 2
        pthread_mutex_lock(&sampler.mutex)
        sampler.done = true
        samples += sampler.samples
        pthread_mutex_unlock(&sampler.mutex)
        usleep(2_000_000)
        let end = daemon.usage
        let endMemory = SoakMemory(daemon)
        samples.append(end)
        let peakRSS = samples.map(\.0).max() ?? 0
        let fdRange = (samples.map(\.1).min() ?? 0, samples.map(\.1).max() ?? 0)

        // Orphans: with the daemon stopped, no process of the worker binary may be left.
        daemon.stop()
        usleep(1_000_000)
        let orphans = Set(processes(running: worker)).subtracting(strayBefore).count

        // Restarted on the same data directory: every acknowledged call's entries are there.
        daemon = BenchDaemon(bin: options.bin, work: work)
        defer { daemon.stop() }
        var expected = 0
        var found = 0
        for c in 0..<clients {
            expected += acknowledged.count(c) * perCall
            found += incidentTotal(daemon, conversation: "c\(c)", correlation: nil)
        }
        // The probe is in c0 too.
        expected += perCall
        var sampleMisses = 0
        let checked = acknowledged.sample(200)
        for (client, correlation) in checked
        where incidentTotal(daemon, conversation: "c\(client)", correlation: correlation) < perCall {
            sampleMisses += 1
        }
        let lost = max(0, expected - found) + sampleMisses

        let rawGrowth = Double(end.rssKiB - start.rssKiB) / Double(max(1, start.rssKiB)) * 100
        let growth = Double(end.rssKiB - warm.rssKiB) / Double(max(1, warm.rssKiB)) * 100
        let fdGrowth = end.fds - start.fds
        // A warm worker holds 2 descriptors; the reserve (up to 4 per project) may differ between
        // the two quiet samples.
        // The RSS target judges growth after warm-up: what fills during the first tenth is the
        // bounded caches reaching their bounds (printed below, structure by structure, with the
        // raw growth beside it), and what a sustained load must not do is keep growing after
        // that. The caches' bounds themselves are the memory budget (docs/architecture.md).
        let verdicts = [
            Verdict(name: "RSS growth after warm-up -> end (%)", value: growth, target: "<= 5", pass: growth <= 5),
            Verdict(name: "descriptors end - start", value: Double(fdGrowth), target: "<= 8 (4 warm workers)", pass: fdGrowth <= 8),
            Verdict(name: "orphan worker processes", value: Double(orphans), target: "0", pass: orphans == 0),
            Verdict(name: "lost acknowledged entries", value: Double(lost), target: "0", pass: lost == 0),
        ]
        // The RSS at each fifth of the soak: a plateau (bounded buffers filling) or a slope (a leak).
        let series = (0...4).map { i in samples[min(samples.count - 1, i * (samples.count - 1) / 4)].0 }
        if options.json {
            let value: JSONValue = [
                "clients": .int(Int64(clients)), "maximum_calls_per_s": .double(maxRate),
                "soak_calls_per_s": .double(Double(soaked) / soakWall), "soak_minutes": .double(soakWall / 60),
                "failed_calls": .int(Int64(acknowledged.failures)), "rss_kib_start": .int(Int64(start.rssKiB)),
                "rss_kib_warm": .int(Int64(warm.rssKiB)), "rss_kib_end": .int(Int64(end.rssKiB)),
                "rss_growth_raw_percent": .double(rawGrowth), "rss_growth_after_warmup_percent": .double(growth),
                "warmup_seconds": .double(warmSeconds), "warmup_calls": .int(Int64(warmCalls)),
                "memory": ["start": startMemory.json, "warm": warmMemory.json, "end": endMemory.json], "rss_kib_quartiles": .array(series.map { .int(Int64($0)) }),
                "fds_start": .int(Int64(start.fds)), "fds_end": .int(Int64(end.fds)), "orphans": .int(Int64(orphans)),
                "journal_entries": .int(Int64(found)), "expected_entries": .int(Int64(expected)),
                "sampled_calls": .int(Int64(checked.count)), "sampled_missing": .int(Int64(sampleMisses)),
                "targets": .array(verdicts.map { v in
                    ["name": .string(v.name), "value": .double(v.value), "target": .string(v.target), "pass": .bool(v.pass)]
                }),
            ]
            print(JSONWriter.text(value))
            return
        }
        print("soak: \(clients) clients, maximum \(fmt(maxRate, 0)) calls/s (\(maximum) calls in 15 s), then "
            + "\(fmt(soakWall / 60, 1)) min at \(fmt(Double(soaked) / soakWall, 0)) calls/s (target \(fmt(rate, 0))), "
            + "\(acknowledged.failures) failed calls; load average \(loadAverage())")
        print("  RSS \(fmt(Double(start.rssKiB) / 1024, 1)) -> \(fmt(Double(end.rssKiB) / 1024, 1)) MiB (peak \(fmt(Double(peakRSS) / 1024, 1))); "
            + "fds \(start.fds) -> \(end.fds) (range \(fdRange.0)-\(fdRange.1) over \(samples.count) samples)")
        print("  RSS at 0/25/50/75/100 % of the soak: " + series.map { fmt(Double($0) / 1024, 1) }.joined(separator: " ") + " MiB")
        print("  warm-up: \(fmt(warmSeconds, 0)) s, \(warmCalls) calls (until \(warmReason))")
        print("  RSS growth: raw (start -> end) \(fmt(rawGrowth, 1)) %, after warm-up (-> end, the target) \(fmt(growth, 1)) %")
        print("  memory (GET /v1/memory), MiB     start    warm     end")
        for (name, pick) in SoakMemory.rows {
            let cells = [startMemory, warmMemory, endMemory].map { memory in
                let text = fmt(pick(memory), 1)
                return String(repeating: " ", count: max(1, 8 - text.count)) + text
            }
            print("    " + name.padding(30) + cells.joined())
        }
        print("  journal after a restart: \(found) entries for \(expected / perCall) acknowledged calls x \(perCall); "
            + "\(checked.count) sampled calls looked up one by one, \(sampleMisses) missing")
        for v in verdicts {
            print("  \(v.pass ? "PASS" : "FAIL")  \(v.name): \(fmt(v.value, 1)) (target \(v.target))")
        }
    }

    /// The daemon's own account of its memory (`GET /v1/memory`), in MiB, at one moment of the soak.
    struct SoakMemory {
        var json: JSONValue

        init(_ daemon: BenchDaemon) {
            let answer = HTTP.request(daemon.socket, "GET", "/v1/memory")
            json = answer.flatMap { $0.status == 200 ? try? JSONParser.parse($0.body) : nil } ?? .null
        }

        func mib(_ section: String, _ key: String) -> Double {
            Double(json[section]?[key]?.intValue ?? 0) / 1_048_576
        }

        /// What the table prints, one row per structure.
        static let rows: [(String, @Sendable (SoakMemory) -> Double)] = [
            ("process resident", { $0.mib("process", "resident_bytes") }),
            ("process anonymous", { $0.mib("process", "anonymous_bytes") }),
            ("SQLite heap", { $0.mib("store", "sqlite_heap_bytes") }),
            ("  journal writer's page cache", { $0.mib("store", "writer_cache_bytes") }),
            ("  journal reader's page cache", { $0.mib("store", "reader_cache_bytes") }),
            ("kept results (conversations)", { $0.mib("conversations", "kept_result_bytes") }),
            ("kept results (async calls)", { $0.mib("detached_calls", "kept_result_bytes") }),
        ]
    }

    /// Acknowledged calls by client, with their correlation ids.
    final class Ledger: @unchecked Sendable {
        private var mutex = pthread_mutex_t()
        private var ids: [[String]]
        private(set) var failures = 0
        init(clients: Int) {
            ids = Array(repeating: [], count: clients)
            pthread_mutex_init(&mutex, nil)
        }
        func record(_ client: Int, _ id: String?) {
            pthread_mutex_lock(&mutex)
            if let id { ids[client].append(id) } else { failures += 1 }
            pthread_mutex_unlock(&mutex)
        }
        func count(_ client: Int) -> Int {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            return ids[client].count
        }
        func sample(_ n: Int) -> [(Int, String)] {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            var all: [(Int, String)] = []
            for (client, list) in ids.enumerated() {
                // The newest of each client (the likeliest to be lost) and an even spread.
                let stride = max(1, list.count / max(1, n / ids.count))
                for (i, id) in list.enumerated() where i % stride == 0 || i >= list.count - 5 { all.append((client, id)) }
            }
            return all
        }
    }

    /// `clients` threads calling inside their own conversation for `seconds`, each paced to one
    /// call per `intervalNs` (0: back to back); returns the acknowledged calls.
    static func measureClients(clients: Int, seconds: Double, intervalNs: UInt64, daemon: BenchDaemon, ledger: Ledger) -> Int {
        let deadline = Timestamp.monotonicNs() + UInt64(seconds * 1e9)
        final class Counter: @unchecked Sendable {
            var next = 0
            var mutex = pthread_mutex_t()
            init() { pthread_mutex_init(&mutex, nil) }
            func take() -> Int {
                pthread_mutex_lock(&mutex)
                defer { pthread_mutex_unlock(&mutex) }
                next += 1
                return next
            }
        }
        let counter = Counter()
        let before = (0..<clients).reduce(0) { $0 + ledger.count($1) }
        let (latencies, _, _) = measure(callers: clients, count: 1) {
            // One body run per thread: the loop is inside, so each thread is one client.
            let client = counter.take() - 1
            var due = Timestamp.monotonicNs()
            var n = 0
            while Timestamp.monotonicNs() < deadline {
                if intervalNs > 0 {
                    let now = Timestamp.monotonicNs()
                    if due > now { usleep(useconds_t((due - now) / 1000)) }
                    // Behind schedule: no catch-up burst, the next call is one interval later.
                    due = max(due, Timestamp.monotonicNs()) + intervalNs
                }
                n += 1
                let id = "k\(client)-\(n)"
                ledger.record(client, daemon.callTrue("soak", conversation: "c\(client)", correlation: id) ? id : nil)
            }
            return true
        }
        _ = latencies
        return (0..<clients).reduce(0) { $0 + ledger.count($1) } - before
    }

    /// `total_entries` of the conversation's incident timeline (of one call with `correlation`).
    static func incidentTotal(_ daemon: BenchDaemon, conversation: String, correlation: String?) -> Int {
        var target = "/v1/projects/soak/conversations/\(conversation)/incident?limit=1"
        if let correlation { target += "&correlation_id=\(correlation)" }
        guard let answer = HTTP.request(daemon.socket, "GET", target), answer.status == 200,
            let json = try? JSONParser.parse(answer.body)
        else { return 0 }
        return json["total_entries"]?.intValue ?? 0
    }
}
