/// Runs every rule over each event and lets one alert per dedup key through per suppression
/// window, counting the rest, so a condition that keeps happening (a sandbox violation in a loop)
/// pages once every `suppressionMs` (5 minutes) with the number it swallowed, not 100 times.
///
/// Two layers keep the noise down: threshold rules latch (fire on crossing, re-arm on clearing),
/// and the engine de-duplicates what they and the every-occurrence rules emit.
public struct AlertEngine: Sendable {
    public var rules: [any AlertRule]
    public var suppressionMs: Int64
    public var context = AlertContext()

    private struct KeyState: Sendable {
        var lastRaisedAt: Int64
        var suppressed: Int
    }

    private var keys: [String: KeyState] = [:]
    private var nextId: UInt64 = 1
    /// Alerts swallowed by de-duplication since the engine started.
    public private(set) var suppressedTotal: UInt64 = 0

    public init(rules: [any AlertRule] = AlertEngine.defaultRules, suppressionMs: Int64 = 300_000) {
        self.rules = rules
        self.suppressionMs = suppressionMs
    }

    /// The runbook's rules with its thresholds.
    public static var defaultRules: [any AlertRule] {
        [
            ToolFailureRatioRule(), CountThresholdRule.toolTimeouts(), PolicyDeniedSpikeRule(),
            EveryOccurrenceRule.sandboxViolation, EveryOccurrenceRule.sensitivePathDenied,
            EveryOccurrenceRule.sandboxExceptionUsed, EveryOccurrenceRule.sensitiveArtifactDetected,
            RepeatedTimeoutFailuresRule(), NetworkDeniedRule(), WatcherReloadFailedRule(), AssetReloadErrorsRule(),
        ]
    }

    /// The alerts `event` raises at `now`, after de-duplication. A `project.started` begins a new
    /// incarnation: the rules forget the project's windows and the engine its suppressions, so a
    /// restarted project is judged on what it does from then on (the runbook's "restart and
    /// verify healthy"); the alerts raised before stay in `jcs alerts` and the journal.
    public mutating func observe(_ event: TelemetryEvent, now: Int64) -> [Alert] {
        if event.name == .projectStarted {
            for index in rules.indices { rules[index].forget(project: event.projectId) }
            keys = keys.filter { !Self.key($0.key, isOf: event.projectId) }
        }
        var alerts: [Alert] = []
        for index in rules.indices {
            for firing in rules[index].observe(event, now: now, context: context) {
                if let alert = admit(firing, now: now) { alerts.append(alert) }
            }
        }
        return alerts
    }

    /// Every rule's conditions that hold at `now`: what `jcs_alerts_active` exports.
    public func conditions(now: Int64) -> [AlertCondition] {
        rules.flatMap { $0.conditions(now: now, context: context) }
    }

    /// Dedup keys are `rule:project[:…]`.
    private static func key(_ key: String, isOf project: String) -> Bool {
        let parts = key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count >= 2 && parts[1] == project
    }

    private mutating func admit(_ firing: AlertFiring, now: Int64) -> Alert? {
        if var state = keys[firing.dedupKey], now - state.lastRaisedAt < suppressionMs {
            state.suppressed += 1
            keys[firing.dedupKey] = state
            suppressedTotal += 1
            return nil
        }
        let suppressed = keys[firing.dedupKey]?.suppressed ?? 0
        keys[firing.dedupKey] = KeyState(lastRaisedAt: now, suppressed: 0)
        // Keys of conditions long over are forgotten, so the map stays as small as the live set.
        if keys.count > 4096 { keys = keys.filter { now - $0.value.lastRaisedAt < suppressionMs } }
        defer { nextId += 1 }
        return Alert(
            id: nextId, rule: firing.rule, severity: firing.severity, escalation: firing.escalation,
            projectId: firing.projectId, atMs: now, summary: firing.summary, dedupKey: firing.dedupKey,
            evidence: firing.evidence, suppressedCount: suppressed)
    }
}
