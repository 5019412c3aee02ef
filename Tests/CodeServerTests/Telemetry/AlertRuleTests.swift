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

    mutating func emit(_ name: EventKind, project: String = "p1", payload: [String: JSONValue] = [:]) -> [Alert] {
        defer { nextId += 1 }
        return engine.observe(EventSamples.event(name, project: project, at: now, id: nextId, with: payload), now: now)
    }

    mutating func emit(_ name: EventKind, times: Int, project: String = "p1") -> [Alert] {
        (0..<times).flatMap { _ in emit(name, project: project) }
    }

    mutating func advance(seconds: Int64) { now += seconds * 1000 }
}

struct ToolFailureRatioRuleTests {
    @Test func firesAboveFivePercentWithEnoughSamplesOnce() {
        var d = Driver(ToolFailureRatioRule())
        #expect(d.emit(.toolCompleted, times: 19).isEmpty)
        #expect(d.emit(.toolFailed).isEmpty)  // 1 of 20 = 5 %: not above
        let alerts = d.emit(.toolFailed)  // 2 of 21 ≈ 9.5 %
        #expect(alerts.map(\.rule) == ["tool_failure_ratio"])
        #expect(alerts.first?.severity == .page)
        #expect(alerts.first?.evidence.map(\.eventId) == [20, 21])
        #expect(d.emit(.toolFailed).isEmpty)  // still holding: latched
    }

    @Test func belowTheMinimumSampleCountNothingFires() {
        var d = Driver(ToolFailureRatioRule())
        #expect(d.emit(.toolFailed, times: 19).isEmpty)
    }

    @Test func resetsAfterTheWindowAndFiresAgain() {
        var d = Driver(ToolFailureRatioRule(), suppressionMs: 1)
        _ = d.emit(.toolCompleted, times: 18)
        #expect(d.emit(.toolFailed, times: 2).count == 1)
        d.advance(seconds: 300)
        #expect(d.emit(.toolCompleted, times: 19).isEmpty)  // old failures left the window: re-armed
        #expect(d.emit(.toolFailed, times: 2).count == 1)
    }
}

struct CountThresholdRuleTests {
    @Test func toolTimeoutsFireAtTheEleventhInFiveMinutes() {
        var d = Driver(CountThresholdRule.toolTimeouts())
        for _ in 0..<10 {
            #expect(d.emit(.toolTimeout).isEmpty)
            d.advance(seconds: 20)
        }
        let alerts = d.emit(.toolTimeout)
        #expect(alerts.map(\.severity) == [.page])
        #expect(alerts.first?.evidence.count == 11)
        #expect(d.emit(.toolTimeout).isEmpty)
    }

    @Test func timeoutsOutsideTheWindowDoNotCount() {
        var d = Driver(CountThresholdRule.toolTimeouts())
        _ = d.emit(.toolTimeout, times: 10)
        d.advance(seconds: 300)
        #expect(d.emit(.toolTimeout).isEmpty)
    }

    @Test func timeoutsArePerProject() {
        var d = Driver(CountThresholdRule.toolTimeouts())
        _ = d.emit(.toolTimeout, times: 10, project: "a")
        #expect(d.emit(.toolTimeout, project: "b").isEmpty)
        #expect(d.emit(.toolTimeout, project: "a").count == 1)
    }
}

struct PolicyDeniedSpikeRuleTests {
    @Test func fromSilenceTheFloorNeedsMoreThanFifteen() {
        var d = Driver(PolicyDeniedSpikeRule())
        #expect(d.emit(.policyDenied, times: 15).isEmpty)
        #expect(d.emit(.policyDenied).map(\.severity) == [.warning])
    }

    @Test func aSteadyBaselineRaisesTheThreshold() {
        var d = Driver(PolicyDeniedSpikeRule())
        // 30 minutes at 10 per 5 minutes: the baseline is 10, the threshold 30.
        for _ in 0..<6 {
            #expect(d.emit(.policyDenied, times: 10).isEmpty)
            d.advance(seconds: 300)
        }
        #expect(d.emit(.policyDenied, times: 30).isEmpty)
        #expect(d.emit(.policyDenied).count == 1)
    }

    @Test func reArmsOnceTheSpikeLeavesTheWindow() {
        var d = Driver(PolicyDeniedSpikeRule(), suppressionMs: 1)
        #expect(d.emit(.policyDenied, times: 16).count == 1)
        d.advance(seconds: 300)
        // The spike is now baseline (16 / 6 < floor 5): the floor rules again.
        #expect(d.emit(.policyDenied, times: 15).isEmpty)
        #expect(d.emit(.policyDenied).count == 1)
    }
}

struct EveryOccurrenceRuleTests {
    @Test func sandboxViolationPagesImmediatelyAndDedups() {
        var d = Driver(EveryOccurrenceRule.sandboxViolation)
        // Reported by the sandbox: a page with immediate escalation.
        let kernel = d.emit(.sandboxViolation, payload: ["source": "kernel"])
        #expect(kernel.map(\.severity) == [.page])
        #expect(kernel.first?.escalation == .immediate)
        // Refused by the policy before any sandbox ran: a page without escalation, its own condition.
        let first = d.emit(.sandboxViolation)
        #expect(first.map(\.severity) == [.page])
        #expect(first.first?.escalation == Alert.Escalation.none)
        #expect(d.emit(.sandboxViolation, times: 99).isEmpty)
        d.advance(seconds: 300)
        let again = d.emit(.sandboxViolation)
        #expect(again.count == 1)
        #expect(again.first?.suppressedCount == 99)
        #expect(d.engine.suppressedTotal == 99)
    }

    @Test func sensitivePathDeniedPagesAndWarningsWarn() {
        var d = Driver(EveryOccurrenceRule.sensitivePathDenied)
        #expect(d.emit(.sensitivePathDenied).map(\.severity) == [.page])
        var w = Driver(EveryOccurrenceRule.sensitiveArtifactDetected)
        #expect(w.emit(.sensitiveArtifactDetected).map(\.severity) == [.warning])
    }

    @Test func sandboxExceptionUsedWarnsOncePerReasonCode() {
        var d = Driver(EveryOccurrenceRule.sandboxExceptionUsed)
        #expect(d.emit(.sandboxExceptionUsed, payload: ["reason_code": "CHG-1"]).map(\.severity) == [.warning])
        #expect(d.emit(.sandboxExceptionUsed, payload: ["reason_code": "CHG-1"]).isEmpty)
        #expect(d.emit(.sandboxExceptionUsed, payload: ["reason_code": "CHG-2"]).count == 1)
    }
}

struct RepeatedTimeoutFailuresRuleTests {
    @Test func pagesOnFirstPerProjectAndEscalatesAcrossProjects() {
        var d = Driver(RepeatedTimeoutFailuresRule())
        let first = d.emit(.repeatedTimeoutFailures, project: "a")
        #expect(first.map(\.severity) == [.page])
        #expect(first.first?.escalation == Alert.Escalation.none)
        #expect(d.emit(.repeatedTimeoutFailures, project: "a").isEmpty)
        d.advance(seconds: 60)
        let second = d.emit(.repeatedTimeoutFailures, project: "b")
        #expect(second.map(\.rule) == ["repeated_timeout_failures", "repeated_timeout_failures_across_projects"])
        #expect(second.last?.escalation == .immediate)
        #expect(Set(second.last?.evidence.map(\.projectId) ?? []) == ["a", "b"])
        // It names both projects, so it is the host's, never filed under the one that tipped it.
        #expect(second.last?.projectId == Alert.hostScope)
        #expect(second.first?.projectId == "b")
    }

    @Test func projectsOutsideTheWindowDoNotEscalate() {
        var d = Driver(RepeatedTimeoutFailuresRule())
        _ = d.emit(.repeatedTimeoutFailures, project: "a")
        d.advance(seconds: 600)
        #expect(d.emit(.repeatedTimeoutFailures, project: "b").map(\.escalation) == [Alert.Escalation.none])
    }
}

struct NetworkDeniedRuleTests {
    @Test func withEgressEnabledTheThirdInTheWindowPages() {
        var d = Driver(NetworkDeniedRule(), egress: ["p1"])
        #expect(d.emit(.networkDenied).map(\.severity) == [.warning])
        #expect(d.emit(.networkDenied).isEmpty)
        #expect(d.emit(.networkDenied).map(\.severity) == [.page])
        #expect(d.emit(.networkDenied).isEmpty)
    }

    @Test func withoutEgressItOnlyWarns() {
        var d = Driver(NetworkDeniedRule())
        #expect(d.emit(.networkDenied, times: 5).map(\.severity) == [.warning])
    }

    @Test func belowTheRepeatCountInTheWindowNoPage() {
        var d = Driver(NetworkDeniedRule(), egress: ["p1"])
        _ = d.emit(.networkDenied, times: 2)
        d.advance(seconds: 300)
        #expect(d.emit(.networkDenied).map(\.severity) == [.warning])
    }
}

struct WatcherReloadFailedRuleTests {
    @Test func warnsOnFirstAndPagesAtThreeInTenMinutes() {
        var d = Driver(WatcherReloadFailedRule())
        #expect(d.emit(.projectWatcherReloadFailed).map(\.severity) == [.warning])
        d.advance(seconds: 200)
        #expect(d.emit(.projectWatcherReloadFailed).isEmpty)
        d.advance(seconds: 200)
        let page = d.emit(.projectWatcherReloadFailed)
        #expect(page.map(\.severity) == [.page])
        #expect(page.first?.escalation == .sameDay)
    }

    @Test func spreadOverMoreThanTheWindowNoPage() {
        var d = Driver(WatcherReloadFailedRule(), suppressionMs: 1)
        _ = d.emit(.projectWatcherReloadFailed)
        d.advance(seconds: 300)
        _ = d.emit(.projectWatcherReloadFailed)
        d.advance(seconds: 300)
        #expect(d.emit(.projectWatcherReloadFailed).map(\.severity) != [.page])
    }
}

struct AssetReloadErrorsRuleTests {
    @Test func ticketsOnTheThirdSuccessiveReloadWithErrors() {
        var d = Driver(AssetReloadErrorsRule())
        #expect(d.emit(.projectAssetsReloaded, payload: ["error_count": 1]).isEmpty)
        #expect(d.emit(.projectAssetsReloaded, payload: ["error_count": 2]).isEmpty)
        let ticket = d.emit(.projectAssetsReloaded, payload: ["error_count": 1])
        #expect(ticket.map(\.severity) == [.ticket])
        #expect(ticket.first?.evidence.count == 3)
        #expect(d.emit(.projectAssetsReloaded, payload: ["error_count": 1]).isEmpty)
    }

    @Test func aCleanReloadEndsTheStreak() {
        var d = Driver(AssetReloadErrorsRule())
        _ = d.emit(.projectAssetsReloaded, payload: ["error_count": 1])
        _ = d.emit(.projectAssetsReloaded, payload: ["error_count": 1])
        #expect(d.emit(.projectAssetsReloaded, payload: ["error_count": 0]).isEmpty)
        #expect(d.emit(.projectAssetsReloaded, payload: ["error_count": 1]).isEmpty)
    }
}
