#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@testable import CodeServer

private func sampleAlert(id: UInt64 = 1) -> Alert {
    Alert(
        id: id, rule: "sandbox_violation", severity: .page, escalation: .immediate, projectId: "p1",
        atMs: 1_700_000_000_000, summary: "security.sandbox_violation in project p1", dedupKey: "sandbox_violation:p1",
        evidence: [Alert.Evidence(EventSamples.event(.sandboxViolation, at: 1, id: 9))],
        suppressedCount: 0)
}

private let fastRetry = AlertDispatcher.RetryPolicy(attempts: 3, initialBackoffMs: 20, maximumBackoffMs: 50)

/// The dispatcher's retries and bounded queue, with real commands as the sink. Webhooks are
/// the daemon's (`OutboundHTTPClient`, HTTPS): Tests/DaemonTests/AlertSinkDeliveryTests.swift.
struct AlertDispatcherTests {
    @Test func aCommandsRefusalIsFinalAndTheNextAlertStillGoesOut() throws {
        let dir = TempDirectory()
        // Refuses (exit 75) until the marker exists; the test creates it after the first alert.
        let script = "test -e '\(dir.file("ok"))' || exit 75; cat >> '\(dir.file("alerts.jsonl"))'"
        let sink = CommandAlertSink(argv: ["/bin/sh", "-c", script])
        let dispatcher = AlertDispatcher(sink: sink, retry: fastRetry)
        dispatcher.enqueue(sampleAlert())
        #expect(dispatcher.waitUntilIdle(timeoutMs: 5_000))
        // A command's own refusal (exit 75) is final: the dispatcher does not retry a "no".
        #expect(dispatcher.stats.failed == 1)
        #expect(dispatcher.stats.retries == 0)
        dir.write("ok", "")
        dispatcher.enqueue(sampleAlert(id: 2))
        #expect(dispatcher.waitUntilIdle(timeoutMs: 5_000))
        #expect(dispatcher.stats.delivered == 1)
        #expect(try JSONParser.parse(try #require(dir.read("alerts.jsonl"))) == sampleAlert(id: 2).json)
        dispatcher.shutdown()
    }

    @Test func aBrokenSinkFillsTheBoundedQueueAndOverflowIsCounted() throws {
        // A program that does not exist: every attempt is a retryable spawn error.
        let dispatcher = AlertDispatcher(
            sink: CommandAlertSink(argv: ["/nonexistent/pager"]), capacity: 2,
            retry: AlertDispatcher.RetryPolicy(attempts: 3, initialBackoffMs: 100, maximumBackoffMs: 100))
        // Enqueueing never waits for the broken sink: at most one in flight and two queued.
        for id in 1...10 { dispatcher.enqueue(sampleAlert(id: UInt64(id))) }
        #expect(dispatcher.stats.dropped >= 7)
        #expect(dispatcher.waitUntilIdle(timeoutMs: 10_000))
        dispatcher.shutdown()
        let stats = dispatcher.stats
        #expect(stats.delivered == 0)
        #expect(stats.failed + stats.dropped == 10)
        #expect(stats.retries == stats.failed * 2)
        #expect(stats.lastError == .system(call: "posix_spawn(/nonexistent/pager)", errno: ENOENT))
    }

    @Test func tlsAndRefusedURLFailuresAreFinal() {
        #expect(!AlertDeliveryError.tls("CERTIFICATE_VERIFY_FAILED").isRetryable)
        #expect(!AlertDeliveryError.refused("plain http").isRetryable)
        #expect(AlertDeliveryError.transport("connection refused").isRetryable)
        #expect(AlertDeliveryError.httpStatus(503).isRetryable)
        #expect(!AlertDeliveryError.httpStatus(400).isRetryable)
    }
}

struct CommandAlertSinkTests {
    @Test func theAlertJSONArrivesOnTheCommandsStdin() throws {
        let dir = TempDirectory()
        let sink = CommandAlertSink(argv: ["/bin/sh", "-c", "cat > '\(dir.file("alert.json"))'"])
        try sink.deliver(sampleAlert())
        #expect(try JSONParser.parse(try #require(dir.read("alert.json"))) == sampleAlert().json)
    }

    @Test func aNonZeroExitIsReportedAndNotRetried() {
        let sink = CommandAlertSink(argv: ["/bin/sh", "-c", "exit 3"])
        #expect(throws: AlertDeliveryError.exitStatus(3)) { try sink.deliver(sampleAlert()) }
        #expect(!AlertDeliveryError.exitStatus(3).isRetryable)
    }

    @Test func aCommandThatOverrunsIsKilled() {
        let sink = CommandAlertSink(argv: ["/bin/sh", "-c", "exec sleep 30"], timeoutMs: 200)
        #expect(throws: AlertDeliveryError.timedOut(phase: "command")) { try sink.deliver(sampleAlert()) }
    }

    @Test func aMissingProgramIsASpawnError() {
        let sink = CommandAlertSink(argv: ["/nonexistent/pager"])
        #expect(throws: AlertDeliveryError.system(call: "posix_spawn(/nonexistent/pager)", errno: ENOENT)) {
            try sink.deliver(sampleAlert())
        }
    }
}

struct LogAlertSinkTests {
    @Test func writesOneJSONLine() throws {
        let dir = TempDirectory()
        let fd = open(dir.file("alerts.log"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        try LogAlertSink(fd: fd).deliver(sampleAlert())
        let text = try #require(dir.read("alerts.log"))
        #expect(text.hasSuffix("\n"))
        #expect(try JSONParser.parse(String(text.dropLast())) == sampleAlert().json)
    }
}

struct HubAlertRoutingTests {
    @Test func alertsRaisedByEmitReachTheSinksOffTheEmitPath() throws {
        let dir = TempDirectory()
        let dispatcher = AlertDispatcher(
            sink: CommandAlertSink(argv: ["/bin/sh", "-c", "cat > '\(dir.file("alert.json"))'"]), retry: fastRetry)
        let hub = TelemetryHub(clock: ManualClock(), dispatchers: [dispatcher])
        try hub.emitRecorded(
            EventSamples.event(
                .sandboxViolation, conversation: "c1", correlation: "r1", at: 1,
                with: ["path": "/etc/shadow", "token": "t", "call_id": "call-1", "tool": "fs.read", "source": "kernel"]))
        #expect(dispatcher.waitUntilIdle(timeoutMs: 5_000))
        let body = try JSONParser.parse(try #require(dir.read("alert.json")))
        #expect(body["rule"] == "sandbox_violation")
        #expect(body["escalation"] == "immediate")
        let evidence = body["evidence"]?[0]
        #expect(evidence?["event"] == "security.sandbox_violation")
        #expect(evidence?["project_id"] == "p1")
        #expect(evidence?["conversation_id"] == "c1")
        #expect(evidence?["correlation_id"] == "r1")
        #expect(evidence?["call_id"] == "call-1")
        #expect(evidence?["tool"] == "fs.read")
        dispatcher.shutdown()
    }
}
