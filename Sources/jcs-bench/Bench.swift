#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import Synchronization

// jcs-bench sandbox [--iterations N] [--warmup N] [--json]
//
// Measures, in one run and on one machine state, the latency of running /bin/true:
//   spawn   bare posix_spawn + waitpid (the floor)
//   worker  a sandboxed call through a warm jcs-worker pool (the coordinator's path)
//   inproc  prepare + run in this process, no worker exec (what a zygote would cost)
//   cli     `jcs sandbox run -- /bin/true`, its own start-up included
//   bwrap   `bwrap --unshare-all` with an equivalent root
// with 1 and 2 callers in parallel, and prints p50, p99, calls/s and ratios against bwrap.
// Priced against each other in the same run: inproc-5k against inproc (the workspace walk),
// and, interleaved call by call with one caller, owner and bind against their shared twins (a
// sandbox's own uid where that takes an idmap through a second namespace: a project of an
// unprivileged owner, a writable bind; the twin runs as the uid the files keep,
// `per_sandbox_uid_base` 0).

struct Options {
    var iterations = 300
    var warmup = 20
    var json = false
    var binDir = ""
}

func log(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    log("jcs-bench: \(message)")
    exit(2)
}

/// Runs `body` `count` times on each of `callers` threads; returns every latency in ns and the
/// wall time of the whole batch.
final class Batch: Sendable {
    let body: @Sendable () -> Bool
    let untimed: (@Sendable () -> Void)?
    let count: Int
    /// Each caller's latencies and the failures of all, filled in as callers finish.
    let results: Mutex<(latencies: [[UInt64]], failures: Int)>
    init(callers: Int, count: Int, untimed: (@Sendable () -> Void)?, body: @escaping @Sendable () -> Bool) {
        self.body = body
        self.untimed = untimed
        self.count = count
        results = Mutex((Array(repeating: [], count: callers), 0))
    }
}

final class ThreadContext {
    let batch: Batch
    let index: Int
    init(batch: Batch, index: Int) {
        self.batch = batch
        self.index = index
    }
}

/// `untimed` runs before each call, outside its latency (but inside the batch's wall time).
func measure(
    callers: Int, count: Int, untimed: (@Sendable () -> Void)? = nil, body: @escaping @Sendable () -> Bool
) -> (latencies: [UInt64], wallNs: UInt64, failures: Int) {
    let batch = Batch(callers: callers, count: count, untimed: untimed, body: body)
    let start = Timestamp.monotonicNs()
    var threads: [pthread_t] = []
    for i in 0..<callers {
        let context = Unmanaged.passRetained(ThreadContext(batch: batch, index: i)).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let context = Unmanaged<ThreadContext>.fromOpaque(raw!).takeRetainedValue()
            var mine: [UInt64] = []
            var failed = 0
            for _ in 0..<context.batch.count {
                context.batch.untimed?()
                let t0 = Timestamp.monotonicNs()
                if !context.batch.body() { failed += 1 }
                mine.append(Timestamp.monotonicNs() - t0)
            }
            context.batch.results.withLock {
                $0.latencies[context.index] = mine
                $0.failures += failed
            }
            return nil
        }, context)
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
    let wall = Timestamp.monotonicNs() - start
    return batch.results.withLock { ($0.latencies.flatMap { $0 }.sorted(), wall, $0.failures) }
}

struct Row {
    var variant: String
    var callers: Int
    var p50: Double
    var p99: Double
    var callsPerSecond: Double
    var failures: Int
}

func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
    return Double(sorted[max(0, index)]) / 1_000_000
}

func fmt(_ v: Double, _ digits: Int = 2) -> String {
    guard v.isFinite else { return "-" }
    var s = String(Int((v * pow(10, Double(digits))).rounded()))
    while s.count <= digits { s = "0" + s }
    return digits == 0 ? s : "\(s.dropLast(digits)).\(s.suffix(digits))"
}

@main
enum Bench {
    static func main() {
        var options = Options()
        var args = Array(CommandLine.arguments.dropFirst())
        // The daemon's call path and its soak (DaemonBench.swift).
        if args.first == "daemon" { return DaemonBench.runDaemon(Array(args.dropFirst())) }
        if args.first == "soak" { return DaemonBench.runSoak(Array(args.dropFirst())) }
        guard args.first == "sandbox" else {
            fail("usage: jcs-bench sandbox [--iterations N] [--warmup N] [--json] | jcs-bench daemon [...] | jcs-bench soak [...] (see scripts/bench --help)")
        }
        args.removeFirst()
        while let arg = args.first {
            args.removeFirst()
            switch arg {
            case "--iterations": options.iterations = Int(args.removeFirst()) ?? options.iterations
            case "--warmup": options.warmup = Int(args.removeFirst()) ?? options.warmup
            case "--json": options.json = true
            default: fail("unknown argument \(arg)")
            }
        }
        options.binDir = {
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            let exe = String(decoding: buffer[0..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        }()

        // The workspace every variant mounts.
        var template = Array("/tmp/jcs-bench-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { fail("mkdtemp failed") }
        let workspace = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { rmdir(workspace) }

        let profile: Profile
        // JCS_BENCH_PROFILE: another profile (a name or a file), to price one of its layers against
        // the default in runs of the same binary.
        let profileName = getenv("JCS_BENCH_PROFILE").map { String(cString: $0) } ?? "default"
        do { profile = try ProfileResolver.resolve(nameOrPath: profileName) } catch { fail("profile \(profileName): \(error)") }
        let filter: SeccompProgram
        do { filter = try SeccompProgram(profile: profile) } catch { fail("filter: \(error)") }
        let bwrapPath = ["/usr/bin/bwrap", "/bin/bwrap"].first { (path: String) in access(path, X_OK) == 0 }
        let jcs = "\(options.binDir)/jcs"
        let worker = "\(options.binDir)/jcs-worker"

        var variants: [(String, @Sendable () -> Bool)] = []
        variants.append(("spawn", { spawnQuietly(["/bin/true"]) == 0 }))
        let pool = WorkerPool(executable: worker, root: workspace, profile: profile, filter: filter, size: 4)
        let untimed: [String: @Sendable () -> Void] = ["worker-warm": { try? pool.waitUntilFull() }]
        // worker: back to back, so each call may wait for the pool to refill (throughput).
        // worker-warm: the pool is full when each call starts (the latency of a call that
        // arrives while the project is idle, as agent tool calls mostly do); the refill
        // between calls is not timed.
        variants.append(("worker", {
            do {
                return try pool.take().run(argv: ["/bin/true"]).exitCode == 0
            } catch {
                log("worker: \(error)")
                return false
            }
        }))
        variants.append(("worker-warm", {
            do {
                return try pool.take().run(argv: ["/bin/true"]).exitCode == 0
            } catch {
                log("worker-warm: \(error)")
                return false
            }
        }))
        // In-process prepare and run over `root`, as the CLI does it.
        func inProcess(_ name: String, root: String, profile: Profile) -> @Sendable () -> Bool {
            {
                do {
                    let sandbox = try Sandbox.prepare(profile: profile, root: root, filter: { filter })
                    return try sandbox.run(RunRequest(argv: ["/bin/true"])).exitCode == 0
                } catch {
                    log("\(name): \(error)")
                    return false
                }
            }
        }
        variants.append(("inproc", inProcess("inproc", root: workspace, profile: profile)))
        // inproc-5k: the same over a project of 5,000 empty files in 50 directories, so the
        // prepare's workspace walk (denylist match and a `fstatat` per regular file) is priced
        // against the empty project in the same run.
        let tree = workspace + "-5k"
        makeTree(tree, directories: 50, filesEach: treeFiles / 50)
        defer { _ = spawnQuietly(["/bin/rm", "-rf", tree]) }
        variants.append(("inproc-5k", inProcess("inproc-5k", root: tree, profile: profile)))
        // The own-uid pairs. Neither change touches the seccomp filter, so `filter` serves all.
        var shared = profile
        shared.identity.sandboxUIDBase = 0
        let owned = workspace + "-owner"
        let cache = workspace + "-cache"
        guard mkdir(owned, 0o755) == 0, chown(owned, 1000, 1000) == 0, mkdir(cache, 0o755) == 0, chown(cache, 65534, 65534) == 0
        else { fail("making the own-uid projects: errno \(errno)") }
        defer { _ = spawnQuietly(["/bin/rm", "-rf", owned, cache]) }
        var bind = profile
        bind.filesystem.mounts.append(.bind(source: cache, target: "/cache", writable: true, optional: false))
        var bindShared = bind
        bindShared.identity.sandboxUIDBase = 0
        let pairs = [
            ("owner", inProcess("owner", root: owned, profile: profile), inProcess("owner-shared", root: owned, profile: shared)),
            ("bind", inProcess("bind", root: workspace, profile: bind), inProcess("bind-shared", root: workspace, profile: bindShared)),
        ]
        variants.append(("cli", { spawnQuietly([jcs, "sandbox", "run", "--root", workspace, "--", "/bin/true"]) == 0 }))
        if let bwrapPath {
            let argv = [
                bwrapPath, "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
                "--ro-bind", "/etc", "/etc", "--bind", workspace, "/workspace", "--proc", "/proc", "--dev", "/dev",
                "--tmpfs", "/tmp", "--chdir", "/workspace", "/bin/true",
            ]
            variants.append(("bwrap", { spawnQuietly(argv) == 0 }))
        } else {
            log("jcs-bench: bwrap not found: the bwrap baseline is skipped (scripts/bench installs bubblewrap)")
        }

        var rows: [Row] = []
        for callers in [1, 2] {
            for (name, body) in variants {
                _ = measure(callers: callers, count: options.warmup, untimed: untimed[name], body: body)
                let (latencies, wall, failures) = measure(
                    callers: callers, count: options.iterations, untimed: untimed[name], body: body)
                let row = Row(
                    variant: name, callers: callers, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99),
                    callsPerSecond: Double(latencies.count) / (Double(wall) / 1e9), failures: failures)
                rows.append(row)
                if !options.json {
                    log("measured \(name) with \(callers) caller(s)")
                }
            }
        }
        pool.shutdown()
        // Interleaved, so that a noisy host (this one's load moved p50s by 2x within a minute)
        // moves both sides of a pair alike; the order within a round alternates too.
        var pairRows: [(name: String, own: Double, shared: Double, failures: Int)] = []
        for (name, own, twin) in pairs {
            var ownTimes: [UInt64] = []
            var twinTimes: [UInt64] = []
            var failures = 0
            for round in 0..<(options.warmup + options.iterations) {
                for side in round % 2 == 0 ? [0, 1] : [1, 0] {
                    let t0 = Timestamp.monotonicNs()
                    if !(side == 0 ? own() : twin()) { failures += 1 }
                    guard round >= options.warmup else { continue }
                    let elapsed = Timestamp.monotonicNs() - t0
                    if side == 0 { ownTimes.append(elapsed) } else { twinTimes.append(elapsed) }
                }
            }
            pairRows.append((name, percentile(ownTimes.sorted(), 0.5), percentile(twinTimes.sorted(), 0.5), failures))
            if !options.json { log("measured \(name) against its shared twin") }
        }

        func ratio(_ variant: String, _ callers: Int) -> Double? {
            guard let a = rows.first(where: { $0.variant == variant && $0.callers == callers }),
                let b = rows.first(where: { $0.variant == "bwrap" && $0.callers == callers })
            else { return nil }
            return a.p50 / b.p50
        }

        if options.json {
            let value: JSONValue = .object([
                "iterations": .int(Int64(options.iterations)),
                "own_uid": .array(pairRows.map { p in
                    [
                        "case": .string(p.name), "own_p50_ms": .double(p.own), "shared_p50_ms": .double(p.shared),
                        "ratio": .double(p.own / p.shared), "failures": .int(Int64(p.failures)),
                    ]
                }),
                "rows": .array(rows.map { r in
                    [
                        "variant": .string(r.variant), "callers": .int(Int64(r.callers)), "p50_ms": .double(r.p50),
                        "p99_ms": .double(r.p99), "calls_per_s": .double(r.callsPerSecond), "failures": .int(Int64(r.failures)),
                        "p50_vs_bwrap": ratio(r.variant, r.callers).map { .double($0) } ?? .null,
                    ]
                }),
            ])
            print(JSONWriter.text(value))
        } else {
            print("variant      callers  p50 ms   p99 ms   calls/s   p50 vs bwrap  failures")
            for r in rows {
                let cells = [
                    r.variant.padding(12), String(r.callers).padding(8), fmt(r.p50).padding(8), fmt(r.p99).padding(8),
                    fmt(r.callsPerSecond, 0).padding(9), (ratio(r.variant, r.callers).map { fmt($0) + "x" } ?? "-").padding(13),
                    String(r.failures),
                ]
                print(cells.joined(separator: " "))
            }
            if let empty = rows.first(where: { $0.variant == "inproc" && $0.callers == 1 }),
                let full = rows.first(where: { $0.variant == "inproc-5k" && $0.callers == 1 })
            {
                print(
                    "workspace walk, 1 caller: inproc-5k / inproc p50 \(fmt(full.p50 / empty.p50))x, "
                        + "+\(fmt(full.p50 - empty.p50)) ms per prepare, \(fmt((full.p50 - empty.p50) * 1000 / Double(treeFiles))) µs per file")
            }
            for p in pairRows {
                let delta = p.own - p.shared
                print(
                    "own uid, \(p.name), interleaved, 1 caller: p50 \(fmt(p.own)) ms against \(fmt(p.shared)) ms shared, "
                        + "\(fmt(p.own / p.shared))x, \(delta < 0 ? "-" : "+")\(fmt(abs(delta))) ms, \(p.failures) failures")
            }
        }


    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

/// The files of the inproc-5k variant's project.
private let treeFiles = 5000

/// `directories` directories of `filesEach` empty files each below `root` (made here).
private func makeTree(_ root: String, directories: Int, filesEach: Int) {
    guard mkdir(root, 0o755) == 0 else { fail("mkdir \(root): errno \(errno)") }
    for d in 0..<directories {
        let directory = "\(root)/d\(d)"
        guard mkdir(directory, 0o755) == 0 else { fail("mkdir \(directory): errno \(errno)") }
        for f in 0..<filesEach {
            let fd = open("\(directory)/f\(f)", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
            guard fd >= 0 else { fail("create \(directory)/f\(f): errno \(errno)") }
            close(fd)
        }
    }
}
