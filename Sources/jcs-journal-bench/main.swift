// jcs-journal-bench [--events N] [--baseline N] [--queries N] [--emitters N] [--dir DIR]
//                   [--writer-cache-mib N]
//
// The journal's targets, measured in one run on a fresh database (scripts/bench journal):
//   - baseline: one emitter, each event acknowledged before the next (one transaction and one
//     fsync per event: what every emit cost before group commit);
//   - group commit: N emitters at once, each waiting for its own event to be durable (bounded by
//     N events per fsync: shown, not the target);
//   - streamed: N events (default 1,000,000) through the writer, which commits each batch (what
//     queued during the previous fsync) with one fsync, then one wait; the >= 20,000 events/s
//     target;
//   - the incident timeline of one correlation id over that journal, p50/p99 (target p50 <= 10 ms),
//     with and without the conversation;
//   - the memory SQLite holds afterwards (the writer's page cache against its bound, which
//     `--writer-cache-mib` sets instead of the store's default, to compare cache sizes).
// Printed, never asserted.
import CodeServer
import Sandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var events = 1_000_000
    var baseline = 2_000
    var queries = 300
    var emitters = 8
    var directory: String?
    var writerCacheMiB: Int?
}

func parse() -> Options {
    var options = Options()
    var arguments = Array(CommandLine.arguments.dropFirst())
    while let flag = arguments.first {
        arguments.removeFirst()
        guard let value = arguments.first else { fatal("\(flag) needs a value") }
        arguments.removeFirst()
        switch flag {
        case "--events": options.events = number(flag, value)
        case "--baseline": options.baseline = number(flag, value)
        case "--queries": options.queries = number(flag, value)
        case "--emitters": options.emitters = number(flag, value)
        case "--dir": options.directory = value
        case "--writer-cache-mib": options.writerCacheMiB = number(flag, value)
        default: fatal("unknown option '\(flag)' (--events, --baseline, --queries, --emitters, --dir, --writer-cache-mib)")
        }
    }
    return options
}

func number(_ flag: String, _ value: String) -> Int {
    guard let n = Int(value), n > 0 else { fatal("\(flag) must be a positive integer, not '\(value)'") }
    return n
}

func fatal(_ message: String) -> Never {
    let text = "jcs-journal-bench: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func format(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return "\(rounded)"
}

/// The rows one call of a conversation writes: 2 events, and 2 events that are the
/// conversation's journal entries (the request, and the ending that closes it).
let rowsPerCall = 4

/// One call's worth of rows (`rowsPerCall`), as a conversation's call writes them.
func appendCall(_ journal: SQLiteJournal, index i: Int, base: Int64) throws {
    let target = i % 10 == 0
    let project = target ? "p-bench" : "p\(i % 10)"
    let conversation = target ? "c-target" : "c\(i % 900)"
    let correlation = "k\(i)"
    let at = base + Int64(i)
    let callId = "call-\(i)"
    let verdict = PolicyVerdict(
        projectId: project, conversationId: conversation, correlationId: correlation, callId: callId,
        tool: "shell.run", reason: "allowed", reasonCodes: [.allowed], atMs: at)
    let rows: [(EventPayload, Int64, Int?)] = [
        (
            .conversationToolRequested(
                ToolRequested(callId: callId, tool: "shell.run", runMode: .sync, arguments: ["argv": ["echo", .string("\(i)")]])),
            at, 2 * i + 1
        ),
        (.policyAllowed(verdict), at, nil),
        (.toolStarted(ToolStarted(callId: callId, tool: "shell.run")), at, nil),
        (.toolCompleted(ToolCompleted(callId: callId, tool: "shell.run", durationMs: 3, sensitive: false)), at + 1, 2 * i + 2),
    ]
    for (payload, at, sequence) in rows {
        try journal.append(
            TelemetryEvent(
                projectId: project, conversationId: conversation, correlationId: correlation, atMs: at, payload: payload,
                entrySequence: sequence))
    }
}

func event(_ i: Int, project: String) -> TelemetryEvent {
    TelemetryEvent(
        projectId: project, conversationId: "c-acks", correlationId: "a\(i)", atMs: Timestamp.nowMs(),
        payload: .toolStarted(ToolStarted(callId: "call-a\(i)", tool: "shell.run")))
}

final class Job: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

func threadEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
    return nil
}

/// `emitters` threads, each appending `each` events and waiting for each to be durable; the
/// number of emits that failed.
func concurrentEmits(_ journal: SQLiteJournal, emitters: Int, each: Int) -> Int {
    let failures = Atomic<Int>(0)
    var threads: [pthread_t] = []
    for emitter in 0..<emitters {
        let job = Job {
            for i in 0..<each {
                do {
                    try journal.append(event(i, project: "p-group-\(emitter)"))
                    try journal.flush()
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        var thread = pthread_t()
        guard pthread_create(&thread, nil, threadEntry, Unmanaged.passRetained(job).toOpaque()) == 0 else {
            fatal("pthread_create failed")
        }
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
    return failures.load(ordering: .relaxed)
}

let options = parse()
let directory: String
if let given = options.directory {
    directory = given
} else {
    var template = Array("/tmp/jcs-bench-journal-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { fatal("mkdtemp failed: errno \(errno)") }
    directory = String(cString: made)
}
var configuration = StoreConfiguration.inDataDirectory(directory)
configuration.retentionMaxAgeMs = nil
configuration.retentionMaxRows = nil
configuration.retentionCheckEvery = Int.max
if let mib = options.writerCacheMiB { configuration.writerCacheBytes = mib << 20 }
let journal: SQLiteJournal
do {
    journal = try SQLiteJournal(configuration: configuration)
} catch {
    fatal("opening the journal in \(directory): \(error)")
}
let clock = ContinuousClock()
print("journal bench: \(directory)/journal.sqlite3, synchronous=FULL (every commit fsynced)")

// Baseline: each event acknowledged before the next one is emitted.
do {
    let started = clock.now
    for i in 0..<options.baseline {
        try journal.append(event(i, project: "p-baseline"))
        try journal.flush()
    }
    let rate = Double(options.baseline) / seconds(clock.now - started)
    print("  baseline, one transaction per event:  \(Int(rate)) events/s (\(options.baseline) events, 1 emitter)")

    // Group commit: the same acknowledged emits from several threads at once.
    let perEmitter = options.baseline
    let groupStarted = clock.now
    let failed = concurrentEmits(journal, emitters: options.emitters, each: perEmitter)
    let groupRate = Double(perEmitter * options.emitters) / seconds(clock.now - groupStarted)
    print(
        "  group commit, acknowledged emits:     \(Int(groupRate)) events/s (\(options.emitters) emitters x \(perEmitter)), "
            + "\(format(groupRate / rate))x the baseline" + (failed > 0 ? ", \(failed) FAILED" : ""))

    // Bulk: a million events through the writer, then one wait.
    let calls = options.events / rowsPerCall
    let base = Timestamp.nowMs() - Int64(calls) - 60_000
    let bulkStarted = clock.now
    for i in 0..<calls { try appendCall(journal, index: i, base: base) }
    try journal.flush()
    let bulkRate = Double(calls * rowsPerCall) / seconds(clock.now - bulkStarted)
    let verdict = bulkRate >= 20_000 ? "met" : "MISSED"
    print(
        "  group commit, streamed:               \(Int(bulkRate)) events/s (\(calls * rowsPerCall) events), "
            + "\(format(bulkRate / rate))x the baseline; target >= 20,000 events/s: \(verdict)")

    let memory = journal.memory
    print(
        "  memory after the appends:             writer's page cache \(format(Double(memory.writerCacheBytes) / 1_048_576)) MiB "
            + "(bound \(format(Double(memory.writerCacheBound) / 1_048_576))), SQLite heap \(format(Double(memory.sqliteHeapBytes) / 1_048_576)) MiB")

    // The incident timeline of one correlation id over the whole journal.
    var generator = SystemRandomNumberGenerator()
    for (label, conversation) in [("conversation + correlation id", Optional("c-target")), ("correlation id only", nil)] {
        var times: [Double] = []
        for _ in 0..<options.queries {
            let call = Int.random(in: 0..<calls / 10, using: &generator) * 10
            let started = clock.now
            let timeline = try journal.incidentTimeline(
                project: "p-bench", conversation: conversation, correlationId: "k\(call)", limit: 200)
            times.append(seconds(clock.now - started) * 1000)
            guard timeline.totalEntries == rowsPerCall, timeline.entries.count == rowsPerCall else {
                fatal("wrong timeline for k\(call): \(timeline.totalEntries) entries, want \(rowsPerCall)")
            }
        }
        times.sort()
        let p50 = times[times.count / 2]
        let p99 = times[min(times.count - 1, times.count * 99 / 100)]
        print(
            "  timeline, \(label):\(String(repeating: " ", count: max(1, 30 - label.count)))p50 \(format(p50)) ms, "
                + "p99 \(format(p99)) ms over \(calls * rowsPerCall + options.baseline * (1 + options.emitters)) events; "
                + "target p50 <= 10 ms: \(p50 <= 10 ? "met" : "MISSED")")
    }
} catch {
    fatal("\(error)")
}
if options.directory == nil {
    for name in ["journal.sqlite3", "journal.sqlite3-wal", "journal.sqlite3-shm"] { unlink(directory + "/" + name) }
    rmdir(directory)
}
