// The JSON-lines mode of `jcs-coordinator --stdio --data-dir DIR`: opens the journal in DIR, brings
// back the registered projects, then reads one JSON command per line on stdin and answers one JSON
// line per command on stdout. An answer is written only after what the command did is committed to
// the journal: that line is the acknowledgement the crash test relies on.
import CodeServer
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `text` to `fd` with write(2), unbuffered: an acknowledgement sitting in a stdio
/// buffer when the process is killed was never sent.
func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        bytes = bytes.dropFirst(n)
    }
}

func answer(_ value: JSONValue) { writeAll(1, JSONWriter.text(value) + "\n") }

func fail(_ message: String) -> Never {
    writeAll(2, "\(programName): \(message)\n")
    exit(1)
}

/// `jcs` when `jcs serve` started us (it passes that as argv[0]), else `jcs-coordinator`: errors
/// name the command the user typed.
let programName = CommandLine.arguments.first == "jcs" ? "jcs" : "jcs-coordinator"

/// Runs the JSON-lines loop until stdin ends.
func runStdio(dataDirectory: String) async {
    if mkdir(dataDirectory, 0o700) != 0 && errno != EEXIST { fail("cannot create '\(dataDirectory)': errno \(errno)") }

    let journal: SQLiteJournal
    do {
        journal = try SQLiteJournal(configuration: .inDataDirectory(dataDirectory))
    } catch {
        fail("\(error)")
    }
    let hub = TelemetryHub(store: journal)
    let engine = Engine(
        configuration: EngineConfiguration(
            warmWorkersPerProject: 1, registry: journal, journalStore: journal, reservedDirectories: [dataDirectory]),
        sink: hub)
    let commands = CoordinatorCommands(engine: engine, journal: journal)

    do {
        let restored = try await engine.restoreProjects()
        answer([
            "ready": true,
            "restored": .array(
                restored.map { ["id": .string($0.id), "error": $0.error.map { .string($0.description) } ?? .null] }),
        ])
    } catch {
        fail("restoring projects: \(error)")
    }

    while let line = readLine() {
        guard !line.isEmpty else { continue }
        // Failures the runtime could not report to the command (a refused event append) show here.
        let failuresBefore = (journal.failures, hub.stats.storeFailures)
        var reply = await commands.run(line)
        if (journal.failures, hub.stats.storeFailures) != failuresBefore {
            reply = CoordinatorCommands.error("not_durable", "the journal refused a write; this command is not acknowledged")
        }
        answer(reply)
    }
    await engine.shutdown()
}
