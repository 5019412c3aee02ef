import Sandbox
import Testing

@testable import CodeServer

/// Health per incarnation and the runbook's severities (docs/operations.md, "What counts as a
/// failure"): a restarted project is judged on what it does from its start, earlier errors stay
/// visible and marked; caller mistakes and expected refusals degrade nothing.
struct HealthIncarnationTests {
    private func event(_ name: EventKind, _ payload: [String: JSONValue] = [:]) -> RuntimeEvent {
        EventSamples.event(name, with: payload)
    }

    @Test func aRestartStartsACleanWindowAndMarksEarlierErrors() throws {
        let clock = ManualClock()
        let hub = TelemetryHub(clock: clock)
        try hub.emitRecorded(event(.projectStarted))
        try hub.emitRecorded(event(.sandboxViolation, ["path": "../x"]))
        try hub.emitRecorded(event(.toolTimeout))
        try hub.emitRecorded(event(.toolTimeout))
        let degraded = hub.health(project: "p1")
        #expect(degraded.status == .degraded)
        #expect(degraded.reasons.map(\.event) == ["tool.timeout", "security.sandbox_violation"])
        #expect(degraded.reasons.map(\.count) == [2, 1])
        #expect(degraded.degradedUntilMs == clock.nowMs() + 300_000)
        #expect(degraded.summary.hasPrefix("degraded: 2 tool.timeout, 1 security.sandbox_violation in the last 300 s"))
        let json = degraded.json
        #expect(json["reasons"]?[0]?["event"] == "tool.timeout")
        #expect(json["degraded_until"]?.stringValue != nil)

        clock.advance(byMs: 10_000)
        try hub.emitRecorded(event(.projectStopped))
        try hub.emitRecorded(event(.projectStarted))
        let restarted = hub.snapshot(project: "p1")
        #expect(restarted.health.status == .ok)
        #expect(restarted.health.reasons.isEmpty)
        #expect(restarted.health.incarnationStartedAtMs == clock.nowMs())
        #expect(restarted.health.lastErrorAtMs != nil, "the last error is still said, only not counted")
        // Counts and the error ring keep the earlier incarnation, marked.
        #expect(restarted.eventCounts["security.sandbox_violation"] == 1)
        let errors = restarted.telemetryJSON["recent_errors"]?.arrayValue ?? []
        // The violation, two timeouts and the violation's page (`alert.raised`).
        #expect(errors.count == 4)
        #expect(errors.allSatisfy { $0["before_restart"] == true })
        try hub.emitRecorded(event(.toolTimeout))
        let after = hub.snapshot(project: "p1").telemetryJSON["recent_errors"]?.arrayValue ?? []
        #expect(after.last?["before_restart"] == nil)
        #expect(hub.health(project: "p1").status == .degraded)
    }

    @Test func callerMistakesAndExpectedRefusalsDoNotDegrade() throws {
        let hub = TelemetryHub(clock: ManualClock())
        for reason in ["invalid_arguments", "unknown_tool", "not_found", "is_a_directory", "policy_denied", "project_stopped"] {
            try hub.emitRecorded(event(.toolFailed, ["reason": .string(reason)]))
        }
        try hub.emitRecorded(event(.policyDenied))
        try hub.emitRecorded(event(.protocolDenied))
        try hub.emitRecorded(event(.envDenied))
        let snapshot = hub.snapshot(project: "p1")
        #expect(snapshot.health.status == .ok, "\(snapshot.health.summary)")
        #expect(snapshot.recentErrors.count == 9, "triage still sees every one")
        try hub.emitRecorded(event(.toolFailed, ["reason": "worker_crashed"]))
        #expect(hub.health(project: "p1").status == .degraded)
    }

    @Test func theClassifierSaysWhatEachEventIs() {
        let classifier = EventClassifier()
        #expect(classifier.kind(event(.toolCompleted)) == .normal)
        #expect(classifier.kind(event(.toolFailed, ["reason": "invalid_arguments"])) == .callerMistake)
        #expect(classifier.kind(event(.toolFailed, ["reason": "policy_denied"])) == .expected)
        #expect(classifier.kind(event(.toolFailed, ["reason": "exec_failed"])) == .failure)
        #expect(classifier.kind(event(.toolFailed)) == .failure)
        #expect(classifier.kind(event(.sandboxViolation)) == .failure)
        #expect(classifier.kind(event(.projectAssetsReloaded, ["error_count": 0])) == .normal)
        #expect(classifier.kind(event(.projectAssetsReloaded, ["error_count": 2])) == .failure)
        let refused = classifier.toolOutcome(event(.toolFailed, ["reason": "policy_denied"]))
        #expect(!refused.isOutcome && !refused.failed)
        let failed = classifier.toolOutcome(event(.toolFailed, ["reason": "exec_failed"]))
        #expect(failed.isOutcome && failed.failed)
        let timedOut = classifier.toolOutcome(event(.toolTimeout))
        #expect(timedOut.isOutcome && !timedOut.failed)
    }

    @Test func healthNamesAreBounded() {
        var window = HealthWindow(windowMs: 60_000, threshold: 1)
        for index in 0..<100 { window.recordError("security.kind_\(index)", at: 1_000) }
        let health = window.health(at: 1_000)
        #expect(health.errorsInWindow == 100)
        #expect(health.reasons.count == HealthWindow.maximumNames + 1)
        #expect(health.reasons.first?.event == "other")
    }
}
