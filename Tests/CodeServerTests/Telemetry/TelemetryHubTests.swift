import Sandbox
import Testing

@testable import CodeServer

struct TelemetryHubTests {
    private func event(_ name: EventKind, project: String = "p1", payload: [String: JSONValue] = [:], at: Int64 = 0) -> RuntimeEvent {
        EventSamples.event(name, project: project, conversation: "c1", correlation: "k1", at: at, with: payload)
    }

    @Test func emitRedactsBeforeStoringCountingAndShowing() throws {
        let store = InMemoryTelemetryEventStore()
        let hub = TelemetryHub(clock: ManualClock(), store: store)
        let emitted = try #require(
            try hub.emitChecked(event(.envDenied, payload: ["token": "abc", "error": "Bearer abc123DEF456ghi"])))
        #expect(emitted.event.id == 1)
        #expect(emitted.event.payload.securityFinding?.evidence["token"] == "[REDACTED]")
        #expect(emitted.event.payload.securityFinding?.evidence["error"] == "Bearer [REDACTED]")
        let failed = try #require(try hub.emitChecked(event(.toolFailed, payload: ["message": "Bearer abc123DEF456ghi"])))
        #expect(failed.event.payload.json["message"] == "Bearer [REDACTED]")
        #expect(store.events(project: "p1", conversation: "c1").map(\.payload) == [emitted.event.payload, failed.event.payload])
        let snapshot = hub.snapshot(project: "p1")
        #expect(snapshot.recentErrors.map(\.payload) == [emitted.event.payload, failed.event.payload])
        #expect(snapshot.eventCounts == ["security.env_denied": 1, "tool.failed": 1])
    }

    @Test func countsEventsPerProjectAndKeepsErrorsApart() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emitChecked(event(.toolStarted))
        try hub.emitChecked(event(.toolCompleted))
        try hub.emitChecked(event(.toolCompleted))
        try hub.emitChecked(event(.toolTimeout))
        try hub.emitChecked(event(.toolCompleted, project: "p2"))
        let p1 = hub.snapshot(project: "p1")
        #expect(p1.eventCounts == ["tool.started": 1, "tool.completed": 2, "tool.timeout": 1])
        #expect(p1.recentEvents.map(\.name) == [.toolStarted, .toolCompleted, .toolCompleted, .toolTimeout])
        #expect(p1.recentErrors.map(\.name) == [.toolTimeout])
        #expect(hub.snapshot(project: "p2").eventCounts == ["tool.completed": 1])
        #expect(hub.snapshot(project: "unknown").eventCounts.isEmpty)
    }

    @Test func ringsAreBoundedByConfigurationAndCountDrops() throws {
        let hub = TelemetryHub(
            configuration: TelemetryConfiguration(recentEventsCapacity: 3, recentErrorsCapacity: 2),
            clock: ManualClock())
        for _ in 0..<5 { try hub.emitChecked(event(.policyDenied)) }
        let snapshot = hub.snapshot(project: "p1")
        #expect(snapshot.recentEvents.map(\.id) == [3, 4, 5])
        #expect(snapshot.recentEventsDropped == 2)
        #expect(snapshot.recentErrors.map(\.id) == [4, 5])
        #expect(snapshot.recentErrorsDropped == 3)
        #expect(snapshot.eventCounts["policy.denied"] == 5)
    }

    @Test func largeEventsAreBoundedByBytesInTheRingsAndKeptWholeInTheStore() throws {
        // A tool that prints its 32 KiB limit on every call: by count alone, 200 of them per
        // project stayed in memory (6.4 MiB a project). The ring keeps what fits its byte
        // budget, says how many it dropped, and the journal has every one whole.
        let store = InMemoryTelemetryEventStore()
        let hub = TelemetryHub(
            configuration: TelemetryConfiguration(recentEventsCapacity: 200, recentEventsBytes: 128 << 10),
            clock: ManualClock(), store: store)
        let output = String(repeating: "x", count: 32 << 10)
        for i in 0..<20 {
            try hub.emitChecked(event(.conversationToolOutput, payload: ["tool_call_id": .string("c\(i)"), "content": .string(output)]))
        }
        try hub.emitChecked(event(.toolCompleted))
        let snapshot = hub.snapshot(project: "p1")
        let kept = snapshot.recentEvents.filter { $0.name == .conversationToolOutput }
        #expect(kept.count == 3, "\(kept.count) outputs kept")
        #expect(kept.map { $0.payload.json["tool_call_id"] } == ["c17", "c18", "c19"])
        #expect(kept.allSatisfy { $0.payload.json["content"] == .string(output) }, "kept events are whole, never clipped")
        #expect(snapshot.recentEvents.last?.name == .toolCompleted)
        #expect(snapshot.recentEventsDropped == 17)
        #expect(snapshot.eventCounts["conversation.tool_output"] == 20)
        #expect(store.events(project: "p1", conversation: "c1").count == 21)
    }

    @Test func assetsReloadedIsAnErrorOnlyWithErrors() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emitChecked(event(.projectAssetsReloaded, payload: ["error_count": 0]))
        try hub.emitChecked(event(.projectAssetsReloaded, payload: ["error_count": 2]))
        #expect(hub.snapshot(project: "p1").recentErrors.count == 1)
    }

    @Test func healthDegradesOnAnErrorAndRecoversWhenTheWindowPasses() throws {
        let clock = ManualClock()
        let hub = TelemetryHub(configuration: TelemetryConfiguration(healthWindowMs: 60_000), clock: clock)
        #expect(hub.health(project: "p1").status == .ok)
        try hub.emitChecked(event(.toolFailed))
        #expect(hub.health(project: "p1").status == .degraded)
        #expect(hub.health(project: "p1").errorsInWindow == 1)
        clock.advance(byMs: 59_000)
        #expect(hub.health(project: "p1").status == .degraded)
        clock.advance(byMs: 1_000)
        #expect(hub.health(project: "p1").status == .ok)
        #expect(hub.health(project: "p1").lastErrorAtMs != nil)
    }

    @Test func healthThresholdNeedsThatManyErrorsInTheWindow() throws {
        let clock = ManualClock()
        let hub = TelemetryHub(
            configuration: TelemetryConfiguration(healthWindowMs: 60_000, healthErrorThreshold: 2), clock: clock)
        try hub.emitChecked(event(.toolTimeout))
        #expect(hub.health(project: "p1").status == .ok)
        clock.advance(byMs: 30_000)
        try hub.emitChecked(event(.sandboxViolation))
        #expect(hub.health(project: "p1").status == .degraded)
        clock.advance(byMs: 30_000)
        #expect(hub.health(project: "p1").status == .ok)
    }

    @Test func policyDenialsDoNotDegradeHealth() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emitChecked(event(.policyDenied))
        #expect(hub.health(project: "p1").status == .ok)
        #expect(hub.snapshot(project: "p1").recentErrors.count == 1)
    }

    @Test func aStoreFailureMakesEmitThrowAndLeavesNoTrace() {
        struct FailingStore: TelemetryEventStore {
            func append(_ event: TelemetryEvent) throws(TelemetryStoreError) { throw .unavailable(reason: "disk full") }
            func events(project: String, conversation: String) -> [TelemetryEvent] { [] }
        }
        let hub = TelemetryHub(clock: ManualClock(), store: FailingStore())
        #expect(throws: TelemetryStoreError.unavailable(reason: "disk full")) { try hub.emitChecked(event(.toolFailed)) }
        #expect(hub.snapshot(project: "p1").eventCounts.isEmpty)
    }

    @Test func subscribersFollowEventsLiveForTheirProject() async throws {
        let hub = TelemetryHub(clock: ManualClock())
        let all = hub.subscribe()
        let onlyP2 = hub.subscribe(project: "p2")
        try hub.emitChecked(event(.envDenied, payload: ["password": "x"]))
        try hub.emitChecked(event(.toolStarted, project: "p2"))
        var allIterator = all.makeAsyncIterator()
        var p2Iterator = onlyP2.makeAsyncIterator()
        let first = await allIterator.next()
        #expect(first?.projectId == "p1")
        #expect(first?.payload.securityFinding?.evidence["password"] == "[REDACTED]")
        #expect(await allIterator.next()?.projectId == "p2")
        #expect(await p2Iterator.next()?.projectId == "p2")
        #expect(hub.stats.subscribers == 2)
    }

    @Test func aSlowSubscriberDropsWithoutBlockingEmit() throws {
        let hub = TelemetryHub(configuration: TelemetryConfiguration(subscriberBufferSize: 2), clock: ManualClock())
        let stream = hub.subscribe()
        for _ in 0..<10 { try hub.emitChecked(event(.toolStarted)) }
        #expect(hub.stats.subscriberDrops == 8)
        _ = stream
    }

    @Test func alertsAreRecordedAsEvents() throws {
        let hub = TelemetryHub(clock: ManualClock())
        let emitted = try #require(try hub.emitChecked(event(.sandboxViolation, payload: ["path": "/etc/shadow"])))
        #expect(emitted.alerts.map(\.rule) == ["sandbox_violation"])
        let snapshot = hub.snapshot(project: "p1")
        #expect(snapshot.eventCounts["alert.raised"] == 1)
        guard case .alertRaised(let alert)? = snapshot.recentEvents.last?.payload else {
            Issue.record("no alert.raised event")
            return
        }
        #expect(alert.rule == "sandbox_violation")
        #expect(alert.evidence.map(\.eventId) == [emitted.event.id])
    }

    @Test func egressSettingTurnsRepeatedNetworkDenialsIntoAPage() throws {
        let hub = TelemetryHub(clock: ManualClock())
        hub.setEgressEnabled(true, project: "p1")
        var severities: [Alert.Severity] = []
        for _ in 0..<3 { severities += try hub.emitChecked(event(.networkDenied))?.alerts.map(\.severity) ?? [] }
        #expect(severities == [.warning, .page])
    }

    @Test func aProjectStartedWithEgressAllowedMakesItsNetworkDenialsPage() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emitChecked(event(.projectStarted, payload: ["network_egress_policy": "allow"]))
        var severities: [Alert.Severity] = []
        for _ in 0..<3 { severities += try hub.emitChecked(event(.networkDenied))?.alerts.map(\.severity) ?? [] }
        #expect(severities == [.warning, .page])
        // Restarted with egress denied: denials are expected again, a warning at most.
        try hub.emitChecked(event(.projectStarted, payload: ["network_egress_policy": "deny"]))
        #expect(try hub.emitChecked(event(.networkDenied))?.alerts.allSatisfy { $0.severity != .page } == true)
    }

    @Test func runtimeEventsFlowInThroughTheSinkProtocol() {
        let hub = TelemetryHub(clock: ManualClock())
        let sink: any RuntimeEventSink = hub
        sink.emit(EventSamples.event(.envDenied, correlation: "k", at: 5, with: ["secret": "s"]))
        let recorded = hub.snapshot(project: "p1").recentErrors
        #expect(recorded.map(\.correlationId) == ["k"])
        #expect(recorded.first?.payload.securityFinding?.evidence["secret"] == "[REDACTED]")
    }

    @Test func aStoreFailureBehindTheSinkProtocolIsCounted() {
        struct FailingStore: TelemetryEventStore {
            func append(_ event: TelemetryEvent) throws(TelemetryStoreError) { throw .unavailable(reason: "gone") }
            func events(project: String, conversation: String) -> [TelemetryEvent] { [] }
        }
        let hub = TelemetryHub(clock: ManualClock(), store: FailingStore())
        hub.emit(EventSamples.event(.toolStarted, at: 1))
        #expect(hub.stats.storeFailures == 1)
    }
}
