import Sandbox
import Testing

@testable import CodeServer

/// The conditions `/metrics` exports as `jcs_alerts_active` hold exactly when the engine fires:
/// the same thresholds at the edges (10 timeouts no, 11 yes; 15 denials no, 16 yes), for as long
/// as the window says, and a restarted project starts clear.
struct AlertConditionTests {
    private func event(_ name: EventKind, _ project: String = "p1", _ payload: [String: JSONValue] = [:]) -> RuntimeEvent {
        EventSamples.event(name, project: project, with: payload)
    }

    private func active(_ hub: TelemetryHub, _ rule: String) -> [AlertCondition] {
        hub.alertConditions().filter { $0.rule == rule }
    }

    @Test func timeoutsHoldFromTheEleventhAndClearWithTheWindow() throws {
        let clock = ManualClock()
        let hub = TelemetryHub(clock: clock)
        for _ in 1...10 { try hub.emitRecorded(event(.toolTimeout)) }
        #expect(active(hub, "tool_timeout_spike").isEmpty)
        let raised = try hub.emitRecorded(event(.toolTimeout)).alerts
        #expect(raised.map(\.rule).contains("tool_timeout_spike"))
        #expect(active(hub, "tool_timeout_spike") == [AlertCondition(rule: "tool_timeout_spike", severity: .page, projectId: "p1")])
        clock.advance(byMs: 300_000)
        #expect(active(hub, "tool_timeout_spike").isEmpty)
    }

    @Test func policySpikeHoldsFromTheSixteenthFromQuiet() throws {
        let hub = TelemetryHub(clock: ManualClock())
        for _ in 1...15 { try hub.emitRecorded(event(.policyDenied)) }
        #expect(active(hub, "policy_denied_spike").isEmpty)
        #expect(try hub.emitRecorded(event(.policyDenied)).alerts.map(\.rule) == ["policy_denied_spike"])
        #expect(active(hub, "policy_denied_spike").map(\.severity) == [.warning])
    }

    @Test func aViolationHoldsFiveMinutesWithTheLevelOfItsStage() throws {
        let clock = ManualClock()
        let hub = TelemetryHub(clock: clock)
        let policy = try hub.emitRecorded(event(.sandboxViolation, "p1", ["path": "../x"])).alerts
        #expect(policy.first?.severity == .page)
        #expect(policy.first?.escalation == Alert.Escalation.none)
        let kernel = try hub.emitRecorded(event(.sandboxViolation, "p1", ["source": "kernel"])).alerts
        #expect(kernel.first?.escalation == .immediate, "a second condition, not suppressed by the first")
        #expect(Set(active(hub, "sandbox_violation").map(\.escalation)) == [.none, .immediate])
        clock.advance(byMs: 299_000)
        #expect(active(hub, "sandbox_violation").count == 2)
        clock.advance(byMs: 1_000)
        #expect(active(hub, "sandbox_violation").isEmpty)
    }

    @Test func aRestartClearsTheProjectsConditionsAndSuppressions() throws {
        let hub = TelemetryHub(clock: ManualClock())
        try hub.emitRecorded(event(.projectStarted))
        #expect(try hub.emitRecorded(event(.sandboxViolation)).alerts.count == 1)
        #expect(try hub.emitRecorded(event(.sandboxViolation)).alerts.isEmpty, "suppressed within the window")
        try hub.emitRecorded(event(.sandboxViolation, "p2"))
        try hub.emitRecorded(event(.projectStarted))
        #expect(active(hub, "sandbox_violation").map(\.projectId) == ["p2"])
        #expect(try hub.emitRecorded(event(.sandboxViolation)).alerts.count == 1, "a new incarnation pages again")
    }

    @Test func refusalsAndCallerMistakesAreNoOutcomesForTheFailureRatio() throws {
        let hub = TelemetryHub(clock: ManualClock())
        for _ in 1...19 { try hub.emitRecorded(event(.toolCompleted)) }
        for _ in 1...30 {
            try hub.emitRecorded(event(.toolFailed, "p1", ["reason": "policy_denied"]))
            try hub.emitRecorded(event(.toolFailed, "p1", ["reason": "invalid_arguments"]))
        }
        #expect(active(hub, "tool_failure_ratio").isEmpty)
        // 20 outcomes with 2 failures: 10 % > 5 %.
        try hub.emitRecorded(event(.toolFailed, "p1", ["reason": "exec_failed"]))
        #expect(active(hub, "tool_failure_ratio").isEmpty, "20 outcomes, 1 failure: 5 % is not over 5 %")
        #expect(try hub.emitRecorded(event(.toolFailed, "p1", ["reason": "worker_crashed"])).alerts.map(\.rule) == ["tool_failure_ratio"])
        #expect(active(hub, "tool_failure_ratio").count == 1)
    }

    @Test func everyRuleAnswersConditionsForWhatItFiresOn() throws {
        let hub = TelemetryHub(clock: ManualClock())
        hub.setEgressEnabled(true, project: "p1")
        try hub.emitRecorded(event(.sensitivePathDenied))
        try hub.emitRecorded(event(.sandboxExceptionUsed, "p1", ["reason_code": "toolchain"]))
        try hub.emitRecorded(event(.sensitiveArtifactDetected))
        for _ in 1...3 { try hub.emitRecorded(event(.networkDenied)) }
        for _ in 1...3 { try hub.emitRecorded(event(.projectWatcherReloadFailed)) }
        for _ in 1...3 { try hub.emitRecorded(event(.projectAssetsReloaded, "p1", ["error_count": 1])) }
        try hub.emitRecorded(event(.repeatedTimeoutFailures, "p1"))
        try hub.emitRecorded(event(.repeatedTimeoutFailures, "p2"))
        let rules = Set(hub.alertConditions().map { "\($0.rule)/\($0.severity.rawValue)/\($0.escalation.rawValue)" })
        #expect(rules == [
            "sensitive_path_denied/page/none", "sandbox_exception_used/warning/none",
            "sensitive_artifact_detected/warning/none", "network_denied/page/none", "watcher_reload_failed/page/same_day",
            "asset_reload_errors/ticket/same_day", "repeated_timeout_failures/page/none",
            "repeated_timeout_failures_across_projects/page/immediate",
        ])
    }
}
