import Sandbox
import Testing

@testable import CodeServer

struct TelemetryHubTests {
    private func event(_ name: EventKind, project: String = "p1", payload: JSONValue = [:], at: Int64 = 0) -> TelemetryEvent {
        TelemetryEvent(name: name, projectId: project, conversationId: "c1", correlationId: "k1", atMs: at, payload: payload)
    }

    @Test func emitRedactsBeforeStoringCountingAndShowing() throws {
        let store = InMemoryTelemetryEventStore()
        let hub = TelemetryHub(clock: ManualClock(), store: store)
        let emitted = try hub.emit(event(.toolFailed, payload: ["token": "abc", "error": "Bearer abc123DEF456ghi"]))
        #expect(emitted.event.id == 1)
        #expect(emitted.event.payload == ["token": "[REDACTED]", "error": "Bearer [REDACTED]"])
        #expect(store.events(project: "p1", conversation: "c1").map(\.payload) == [emitted.event.payload])
        let snapshot = hub.snapshot(project: "p1")
        #expect(snapshot.recentErrors.map(\.payload) == [emitted.event.payload])
        #expect(snapshot.eventCounts == ["tool.failed": 1])
    }

    @Test func countsEventsPerProjectAndKeepsErrorsApart() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emit(event(.toolStarted))
        try hub.emit(event(.toolCompleted))
        try hub.emit(event(.toolCompleted))
        try hub.emit(event(.toolTimeout))
        try hub.emit(event(.toolCompleted, project: "p2"))
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
        for _ in 0..<5 { try hub.emit(event(.policyDenied)) }
        let snapshot = hub.snapshot(project: "p1")
        #expect(snapshot.recentEvents.map(\.id) == [3, 4, 5])
        #expect(snapshot.recentEventsDropped == 2)
        #expect(snapshot.recentErrors.map(\.id) == [4, 5])
        #expect(snapshot.recentErrorsDropped == 3)
        #expect(snapshot.eventCounts["policy.denied"] == 5)
    }

    @Test func assetsReloadedIsAnErrorOnlyWithErrors() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emit(event(.projectAssetsReloaded, payload: ["error_count": 0]))
        try hub.emit(event(.projectAssetsReloaded, payload: ["error_count": 2]))
        #expect(hub.snapshot(project: "p1").recentErrors.count == 1)
    }

    @Test func healthDegradesOnAnErrorAndRecoversWhenTheWindowPasses() throws {
        let clock = ManualClock()
        let hub = TelemetryHub(configuration: TelemetryConfiguration(healthWindowMs: 60_000), clock: clock)
        #expect(hub.health(project: "p1").status == .ok)
        try hub.emit(event(.toolFailed))
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
        try hub.emit(event(.toolTimeout))
        #expect(hub.health(project: "p1").status == .ok)
        clock.advance(byMs: 30_000)
        try hub.emit(event(.sandboxViolation))
        #expect(hub.health(project: "p1").status == .degraded)
        clock.advance(byMs: 30_000)
        #expect(hub.health(project: "p1").status == .ok)
    }

    @Test func policyDenialsDoNotDegradeHealth() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emit(event(.policyDenied))
        #expect(hub.health(project: "p1").status == .ok)
        #expect(hub.snapshot(project: "p1").recentErrors.count == 1)
    }

    @Test func aStoreFailureMakesEmitThrowAndLeavesNoTrace() {
        struct FailingStore: TelemetryEventStore {
            func append(_ event: TelemetryEvent) throws(TelemetryStoreError) { throw .unavailable(reason: "disk full") }
            func events(project: String, conversation: String) -> [TelemetryEvent] { [] }
        }
        let hub = TelemetryHub(clock: ManualClock(), store: FailingStore())
        #expect(throws: TelemetryStoreError.unavailable(reason: "disk full")) { try hub.emit(event(.toolFailed)) }
        #expect(hub.snapshot(project: "p1").eventCounts.isEmpty)
    }

    @Test func subscribersFollowEventsLiveForTheirProject() async throws {
        let hub = TelemetryHub(clock: ManualClock())
        let all = hub.subscribe()
        let onlyP2 = hub.subscribe(project: "p2")
        try hub.emit(event(.toolStarted, payload: ["password": "x"]))
        try hub.emit(event(.toolStarted, project: "p2"))
        var allIterator = all.makeAsyncIterator()
        var p2Iterator = onlyP2.makeAsyncIterator()
        let first = await allIterator.next()
        #expect(first?.projectId == "p1")
        #expect(first?.payload == ["password": "[REDACTED]"])
        #expect(await allIterator.next()?.projectId == "p2")
        #expect(await p2Iterator.next()?.projectId == "p2")
        #expect(hub.stats.subscribers == 2)
    }

    @Test func aSlowSubscriberDropsWithoutBlockingEmit() throws {
        let hub = TelemetryHub(configuration: TelemetryConfiguration(subscriberBufferSize: 2), clock: ManualClock())
        let stream = hub.subscribe()
        for _ in 0..<10 { try hub.emit(event(.toolStarted)) }
        #expect(hub.stats.subscriberDrops == 8)
        _ = stream
    }

    @Test func alertsAreRecordedAsEvents() throws {
        let hub = TelemetryHub(clock: ManualClock())
        let emitted = try hub.emit(event(.sandboxViolation, payload: ["path": "/etc/shadow"]))
        #expect(emitted.alerts.map(\.rule) == ["sandbox_violation"])
        let snapshot = hub.snapshot(project: "p1")
        #expect(snapshot.eventCounts["alert.raised"] == 1)
        #expect(snapshot.recentEvents.last?.payload["rule"] == "sandbox_violation")
        #expect(snapshot.recentEvents.last?.payload["evidence"]?[0]?["event_id"] == .uint(emitted.event.id))
    }

    @Test func egressSettingTurnsRepeatedNetworkDenialsIntoAPage() throws {
        let hub = TelemetryHub(clock: ManualClock())
        hub.setEgressEnabled(true, project: "p1")
        var severities: [Alert.Severity] = []
        for _ in 0..<3 { severities += try hub.emit(event(.networkDenied)).alerts.map(\.severity) }
        #expect(severities == [.warning, .page])
    }

    @Test func aProjectStartedWithEgressAllowedMakesItsNetworkDenialsPage() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emit(event(.projectStarted, payload: ["network_egress_policy": "allow"]))
        var severities: [Alert.Severity] = []
        for _ in 0..<3 { severities += try hub.emit(event(.networkDenied)).alerts.map(\.severity) }
        #expect(severities == [.warning, .page])
        // Restarted with egress denied: denials are expected again, a warning at most.
        try hub.emit(event(.projectStarted, payload: ["network_egress_policy": "deny"]))
        #expect(try hub.emit(event(.networkDenied)).alerts.allSatisfy { $0.severity != .page })
    }

    @Test func runtimeEventsFlowInThroughTheSinkProtocol() {
        let hub = TelemetryHub(clock: ManualClock())
        let sink: any RuntimeEventSink = hub
        sink.emit(RuntimeEvent(name: .toolFailed, projectId: "p1", correlationId: "k", atMs: 5, payload: ["secret": "s"]))
        let recorded = hub.snapshot(project: "p1").recentErrors
        #expect(recorded.map(\.correlationId) == ["k"])
        #expect(recorded.first?.payload == ["secret": "[REDACTED]"])
    }

    @Test func aStoreFailureBehindTheSinkProtocolIsCounted() {
        struct FailingStore: TelemetryEventStore {
            func append(_ event: TelemetryEvent) throws(TelemetryStoreError) { throw .unavailable(reason: "gone") }
            func events(project: String, conversation: String) -> [TelemetryEvent] { [] }
        }
        let hub = TelemetryHub(clock: ManualClock(), store: FailingStore())
        hub.emit(RuntimeEvent(name: .toolStarted, projectId: "p1", atMs: 1))
        #expect(hub.stats.storeFailures == 1)
    }
}
