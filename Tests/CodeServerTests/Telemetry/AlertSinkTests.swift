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
        evidence: [Alert.Evidence(TelemetryEvent(name: .sandboxViolation, projectId: "p1", atMs: 1, id: 9))],
        suppressedCount: 0)
}

private let fastRetry = AlertDispatcher.RetryPolicy(attempts: 3, initialBackoffMs: 20, maximumBackoffMs: 50)

struct WebhookAlertSinkTests {
    @Test func postsTheAlertJSONToALocalServer() throws {
        let server = LocalHTTPServer(statuses: [200])
        defer { server.stop() }
        let dispatcher = AlertDispatcher(
            sink: try WebhookAlertSink(url: "http://127.0.0.1:\(server.port)/hooks/alerts"), retry: fastRetry)
        dispatcher.enqueue(sampleAlert())
        #expect(dispatcher.waitUntilIdle(timeoutMs: 5_000))
        #expect(dispatcher.stats.delivered == 1)
        let body = try #require(server.bodies.first)
        #expect(try JSONParser.parse(body) == sampleAlert().json)
        dispatcher.shutdown()
    }

    @Test func retriesAfterA500ThenSucceeds() throws {
        let server = LocalHTTPServer(statuses: [500, 200])
        defer { server.stop() }
        let dispatcher = AlertDispatcher(sink: try WebhookAlertSink(url: "http://127.0.0.1:\(server.port)/"), retry: fastRetry)
        dispatcher.enqueue(sampleAlert())
        #expect(dispatcher.waitUntilIdle(timeoutMs: 5_000))
        #expect(dispatcher.stats.delivered == 1)
        #expect(dispatcher.stats.retries == 1)
        #expect(server.bodies.count == 2)
        dispatcher.shutdown()
    }

    @Test func aClientErrorIsNotRetried() throws {
        let server = LocalHTTPServer(statuses: [400])
        defer { server.stop() }
        let dispatcher = AlertDispatcher(sink: try WebhookAlertSink(url: "http://127.0.0.1:\(server.port)/"), retry: fastRetry)
        dispatcher.enqueue(sampleAlert())
        #expect(dispatcher.waitUntilIdle(timeoutMs: 5_000))
        #expect(dispatcher.stats.failed == 1)
        #expect(dispatcher.stats.lastError == .httpStatus(400))
        dispatcher.shutdown()
    }

    @Test func aDeadEndpointFillsTheBoundedQueueAndOverflowIsCounted() throws {
        let sink = try WebhookAlertSink(url: "http://127.0.0.1:\(deadLocalPort())/", timeoutMs: 500)
        let dispatcher = AlertDispatcher(
            sink: sink, capacity: 2, retry: AlertDispatcher.RetryPolicy(attempts: 3, initialBackoffMs: 50, maximumBackoffMs: 50))
        // Enqueueing never waits for the dead endpoint: at most one in flight and two queued.
        for id in 1...10 { dispatcher.enqueue(sampleAlert(id: UInt64(id))) }
        #expect(dispatcher.stats.dropped >= 7)
        #expect(dispatcher.waitUntilIdle(timeoutMs: 10_000))
        dispatcher.shutdown()
        let stats = dispatcher.stats
        #expect(stats.delivered == 0)
        #expect(stats.failed + stats.dropped == 10)
        #expect(stats.retries == stats.failed * 2)
        #expect(stats.lastError == .system(call: "connect", errno: ECONNREFUSED))
    }

    @Test func urlsAreParsedStrictly() throws {
        let url = try HTTPURL(parsing: "http://[::1]:8080/a?b=c")
        #expect(url.host == "::1" && url.port == 8080 && url.path == "/a?b=c")
        #expect(url.hostHeader == "[::1]:8080")
        #expect(try HTTPURL(parsing: "http://example.com").path == "/")
        #expect(throws: HTTPURL.ParseError.notHTTP("https://x")) { try HTTPURL(parsing: "https://x") }
        #expect(throws: HTTPURL.ParseError.badPort("http://x:0/")) { try HTTPURL(parsing: "http://x:0/") }
        #expect(throws: HTTPURL.ParseError.missingHost("http:///x")) { try HTTPURL(parsing: "http:///x") }
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
        let server = LocalHTTPServer(statuses: [200])
        defer { server.stop() }
        let dispatcher = AlertDispatcher(sink: try WebhookAlertSink(url: "http://127.0.0.1:\(server.port)/"), retry: fastRetry)
        let hub = TelemetryHub(clock: ManualClock(), dispatchers: [dispatcher])
        try hub.emit(TelemetryEvent(
            name: .sandboxViolation, projectId: "p1", atMs: 1, payload: ["path": "/etc/shadow", "token": "t"]))
        #expect(dispatcher.waitUntilIdle(timeoutMs: 5_000))
        let body = try JSONParser.parse(try #require(server.bodies.first))
        #expect(body["rule"] == "sandbox_violation")
        #expect(body["evidence"]?[0]?["event"] == "security.sandbox_violation")
        dispatcher.shutdown()
    }
}
