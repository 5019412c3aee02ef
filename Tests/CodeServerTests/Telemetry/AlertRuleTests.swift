import Sandbox
import Testing

@testable import CodeServer

/// Drives one rule (through the engine, so de-duplication applies) with explicit times.
private struct Driver {
    var engine: AlertEngine
    var now: Int64 = 1_700_000_000_000
    var nextId: UInt64 = 1

    init(_ rule: any AlertRule, suppressionMs: Int64 = 300_000, egress: Set<String> = []) {
        engine = AlertEngine(rules: [rule], suppressionMs: suppressionMs)
        engine.context.egressEnabledProjects = egress
    }

    mutating func emit(_ name: String, project: String = "p1", payload: JSONValue = [:]) -> [Alert] {
        defer { nextId += 1 }
        return engine.observe(TelemetryEvent(name: name, projectId: project, atMs: now, payload: payload, id: nextId), now: now)
    }

    mutating func emit(_ name: String, times: Int, project: String = "p1") -> [Alert] {
        (0..<times).flatMap { _ in emit(name, project: project) }
    }

    mutating func advance(seconds: Int64) { now += seconds * 1000 }
}

struct ToolFailureRatioRuleTests {
    @Test func firesAboveFivePercentWithEnoughSamplesOnce() {
        var d = Driver(ToolFailureRatioRule())
        #expect(d.emit("tool.completed", times: 19).isEmpty)
        #expect(d.emit("tool.failed").isEmpty)  // 1 of 20 = 5 %: not above
        let alerts = d.emit("tool.failed")  // 2 of 21 ≈ 9.5 %
        #expect(alerts.map(\.rule) == ["tool_failure_ratio"])
        #expect(alerts.first?.severity == .page)
        #expect(alerts.first?.evidence.map(\.eventId) == [20, 21])
        #expect(d.emit("tool.failed").isEmpty)  // still holding: latched
    }

    @Test func belowTheMinimumSampleCountNothingFires() {
        var d = Driver(ToolFailureRatioRule())
        #expect(d.emit("tool.failed", times: 19).isEmpty)
    }

    @Test func resetsAfterTheWindowAndFiresAgain() {
        var d = Driver(ToolFailureRatioRule(), suppressionMs: 1)
        _ = d.emit("tool.completed", times: 18)
        #expect(d.emit("tool.failed", times: 2).count == 1)
        d.advance(seconds: 300)
        #expect(d.emit("tool.completed", times: 19).isEmpty)  // old failures left the window: re-armed
        #expect(d.emit("tool.failed", times: 2).count == 1)
    }
}

struct CountThresholdRuleTests {
    @Test func toolTimeoutsFireAtTheEleventhInFiveMinutes() {
        var d = Driver(CountThresholdRule.toolTimeouts())
        for _ in 0..<10 {
            #expect(d.emit("tool.timeout").isEmpty)
            d.advance(seconds: 20)
        }
        let alerts = d.emit("tool.timeout")
        #expect(alerts.map(\.severity) == [.page])
        #expect(alerts.first?.evidence.count == 11)
        #expect(d.emit("tool.timeout").isEmpty)
    }

    @Test func timeoutsOutsideTheWindowDoNotCount() {
        var d = Driver(CountThresholdRule.toolTimeouts())
        _ = d.emit("tool.timeout", times: 10)
        d.advance(seconds: 300)
        #expect(d.emit("tool.timeout").isEmpty)
    }

    @Test func timeoutsArePerProject() {
        var d = Driver(CountThresholdRule.toolTimeouts())
        _ = d.emit("tool.timeout", times: 10, project: "a")
        #expect(d.emit("tool.timeout", project: "b").isEmpty)
        #expect(d.emit("tool.timeout", project: "a").count == 1)
    }
}

struct PolicyDeniedSpikeRuleTests {
    @Test func fromSilenceTheFloorNeedsMoreThanFifteen() {
        var d = Driver(PolicyDeniedSpikeRule())
        #expect(d.emit("policy.denied", times: 15).isEmpty)
        #expect(d.emit("policy.denied").map(\.severity) == [.warning])
    }

    @Test func aSteadyBaselineRaisesTheThreshold() {
        var d = Driver(PolicyDeniedSpikeRule())
        // 30 minutes at 10 per 5 minutes: the baseline is 10, the threshold 30.
        for _ in 0..<6 {
            #expect(d.emit("policy.denied", times: 10).isEmpty)
            d.advance(seconds: 300)
        }
        #expect(d.emit("policy.denied", times: 30).isEmpty)
        #expect(d.emit("policy.denied").count == 1)
    }

    @Test func reArmsOnceTheSpikeLeavesTheWindow() {
        var d = Driver(PolicyDeniedSpikeRule(), suppressionMs: 1)
        #expect(d.emit("policy.denied", times: 16).count == 1)
        d.advance(seconds: 300)
        // The spike is now baseline (16 / 6 < floor 5): the floor rules again.
        #expect(d.emit("policy.denied", times: 15).isEmpty)
        #expect(d.emit("policy.denied").count == 1)
    }
}

struct EveryOccurrenceRuleTests {
    @Test func sandboxViolationPagesImmediatelyAndDedups() {
        var d = Driver(EveryOccurrenceRule.sandboxViolation)
        // Reported by the sandbox: a page with immediate escalation.
        let kernel = d.emit("security.sandbox_violation", payload: ["source": "kernel"])
        #expect(kernel.map(\.severity) == [.page])
        #expect(kernel.first?.escalation == .immediate)
        // Refused by the policy before any sandbox ran: a page without escalation, its own condition.
        let first = d.emit("security.sandbox_violation")
        #expect(first.map(\.severity) == [.page])
        #expect(first.first?.escalation == Alert.Escalation.none)
        #expect(d.emit("security.sandbox_violation", times: 99).isEmpty)
        d.advance(seconds: 300)
        let again = d.emit("security.sandbox_violation")
        #expect(again.count == 1)
        #expect(again.first?.suppressedCount == 99)
        #expect(d.engine.suppressedTotal == 99)
    }

    @Test func sensitivePathDeniedPagesAndWarningsWarn() {
        var d = Driver(EveryOccurrenceRule.sensitivePathDenied)
        #expect(d.emit("security.sensitive_path_denied").map(\.severity) == [.page])
        var w = Driver(EveryOccurrenceRule.sensitiveArtifactDetected)
        #expect(w.emit("security.sensitive_artifact_detected").map(\.severity) == [.warning])
    }

    @Test func sandboxExceptionUsedWarnsOncePerReasonCode() {
        var d = Driver(EveryOccurrenceRule.sandboxExceptionUsed)
        #expect(d.emit("security.sandbox_exception_used", payload: ["reason_code": "CHG-1"]).map(\.severity) == [.warning])
        #expect(d.emit("security.sandbox_exception_used", payload: ["reason_code": "CHG-1"]).isEmpty)
        #expect(d.emit("security.sandbox_exception_used", payload: ["reason_code": "CHG-2"]).count == 1)
    }
}

struct RepeatedTimeoutFailuresRuleTests {
    @Test func pagesOnFirstPerProjectAndEscalatesAcrossProjects() {
        var d = Driver(RepeatedTimeoutFailuresRule())
        let first = d.emit("security.repeated_timeout_failures", project: "a")
        #expect(first.map(\.severity) == [.page])
        #expect(first.first?.escalation == Alert.Escalation.none)
        #expect(d.emit("security.repeated_timeout_failures", project: "a").isEmpty)
        d.advance(seconds: 60)
        let second = d.emit("security.repeated_timeout_failures", project: "b")
        #expect(second.map(\.rule) == ["repeated_timeout_failures", "repeated_timeout_failures_across_projects"])
        #expect(second.last?.escalation == .immediate)
        #expect(Set(second.last?.evidence.map(\.projectId) ?? []) == ["a", "b"])
        // It names both projects, so it is the host's, never filed under the one that tipped it.
        #expect(second.last?.projectId == Alert.hostScope)
        #expect(second.first?.projectId == "b")
    }

    @Test func projectsOutsideTheWindowDoNotEscalate() {
        var d = Driver(RepeatedTimeoutFailuresRule())
        _ = d.emit("security.repeated_timeout_failures", project: "a")
        d.advance(seconds: 600)
        #expect(d.emit("security.repeated_timeout_failures", project: "b").map(\.escalation) == [Alert.Escalation.none])
    }
}

struct NetworkDeniedRuleTests {
    @Test func withEgressEnabledTheThirdInTheWindowPages() {
        var d = Driver(NetworkDeniedRule(), egress: ["p1"])
        #expect(d.emit("security.network_denied").map(\.severity) == [.warning])
        #expect(d.emit("security.network_denied").isEmpty)
        #expect(d.emit("security.network_denied").map(\.severity) == [.page])
        #expect(d.emit("security.network_denied").isEmpty)
    }

    @Test func withoutEgressItOnlyWarns() {
        var d = Driver(NetworkDeniedRule())
        #expect(d.emit("security.network_denied", times: 5).map(\.severity) == [.warning])
    }

    @Test func belowTheRepeatCountInTheWindowNoPage() {
        var d = Driver(NetworkDeniedRule(), egress: ["p1"])
        _ = d.emit("security.network_denied", times: 2)
        d.advance(seconds: 300)
        #expect(d.emit("security.network_denied").map(\.severity) == [.warning])
    }
}

struct WatcherReloadFailedRuleTests {
    @Test func warnsOnFirstAndPagesAtThreeInTenMinutes() {
        var d = Driver(WatcherReloadFailedRule())
        #expect(d.emit("project.watcher_reload_failed").map(\.severity) == [.warning])
        d.advance(seconds: 200)
        #expect(d.emit("project.watcher_reload_failed").isEmpty)
        d.advance(seconds: 200)
        let page = d.emit("project.watcher_reload_failed")
        #expect(page.map(\.severity) == [.page])
        #expect(page.first?.escalation == .sameDay)
    }

    @Test func spreadOverMoreThanTheWindowNoPage() {
        var d = Driver(WatcherReloadFailedRule(), suppressionMs: 1)
        _ = d.emit("project.watcher_reload_failed")
        d.advance(seconds: 300)
        _ = d.emit("project.watcher_reload_failed")
        d.advance(seconds: 300)
        #expect(d.emit("project.watcher_reload_failed").map(\.severity) != [.page])
    }
}

struct AssetReloadErrorsRuleTests {
    @Test func ticketsOnTheThirdSuccessiveReloadWithErrors() {
        var d = Driver(AssetReloadErrorsRule())
        #expect(d.emit("project.assets_reloaded", payload: ["error_count": 1]).isEmpty)
        #expect(d.emit("project.assets_reloaded", payload: ["error_count": 2]).isEmpty)
        let ticket = d.emit("project.assets_reloaded", payload: ["error_count": 1])
        #expect(ticket.map(\.severity) == [.ticket])
        #expect(ticket.first?.evidence.count == 3)
        #expect(d.emit("project.assets_reloaded", payload: ["error_count": 1]).isEmpty)
    }

    @Test func aCleanReloadEndsTheStreak() {
        var d = Driver(AssetReloadErrorsRule())
        _ = d.emit("project.assets_reloaded", payload: ["error_count": 1])
        _ = d.emit("project.assets_reloaded", payload: ["error_count": 1])
        #expect(d.emit("project.assets_reloaded", payload: ["error_count": 0]).isEmpty)
        #expect(d.emit("project.assets_reloaded", payload: ["error_count": 1]).isEmpty)
    }
}
