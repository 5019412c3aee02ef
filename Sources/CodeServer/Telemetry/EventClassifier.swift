import Sandbox

/// Which events are errors (they go to `recent_errors`) and which of those degrade health.
///
/// `policy.denied` is an error for triage but does not degrade health: the runbook expects denials
/// for unauthorized calls, and a denial means the gate worked. Its spikes are the alert rules' job.
/// `security.protocol_denied` is the same kind of outcome: a closed gateway doing its job.
public struct EventClassifier: Sendable {
    public var errorNames: Set<String>
    /// Every event whose name starts with one of these is an error (`security.` by default).
    public var errorPrefixes: [String]
    /// Errors that still leave the project `ok`.
    public var healthNeutral: Set<String>

    public init(
        errorNames: Set<String> = [
            "tool.failed", "tool.timeout", "policy.denied", "project.watcher_reload_failed",
            "conversation.queue.overflow", "alert.raised",
        ],
        errorPrefixes: [String] = ["security."],
        healthNeutral: Set<String> = ["policy.denied", "security.protocol_denied", "alert.raised"]
    ) {
        self.errorNames = errorNames
        self.errorPrefixes = errorPrefixes
        self.healthNeutral = healthNeutral
    }

    /// `project.assets_reloaded` counts as an error only when its payload's `error_count` is above zero.
    public func isError(_ event: TelemetryEvent) -> Bool {
        if event.name == "project.assets_reloaded" {
            return (event.payload["error_count"]?.doubleValue ?? 0) > 0
        }
        return errorNames.contains(event.name) || errorPrefixes.contains { event.name.hasPrefix($0) }
    }

    public func degradesHealth(_ event: TelemetryEvent) -> Bool {
        isError(event) && !healthNeutral.contains(event.name)
    }
}
