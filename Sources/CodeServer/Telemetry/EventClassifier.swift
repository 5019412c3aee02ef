import Sandbox

/// Which events are errors (they go to `recent_errors`) and which of those degrade health.
///
/// `policy.denied` is an error for triage but does not degrade health: the runbook expects denials
/// for unauthorized calls, and a denial means the gate worked. Its spikes are the alert rules' job.
/// `security.protocol_denied` is the same kind of outcome: a closed gateway doing its job.
public struct EventClassifier: Sendable {
    public var errorNames: Set<EventKind>
    /// Whether every `security.*` kind is an error (the default).
    public var securityKindsAreErrors: Bool
    /// Errors that still leave the project `ok`.
    public var healthNeutral: Set<EventKind>

    public init(
        errorNames: Set<EventKind> = [
            .toolFailed, .toolTimeout, .policyDenied, .projectWatcherReloadFailed, .conversationQueueOverflow,
            .alertRaised,
        ],
        securityKindsAreErrors: Bool = true,
        healthNeutral: Set<EventKind> = [.policyDenied, .protocolDenied, .alertRaised]
    ) {
        self.errorNames = errorNames
        self.securityKindsAreErrors = securityKindsAreErrors
        self.healthNeutral = healthNeutral
    }

    /// `project.assets_reloaded` counts as an error only when its payload's `error_count` is above zero.
    public func isError(_ event: TelemetryEvent) -> Bool {
        if event.name == .projectAssetsReloaded {
            return (event.payload["error_count"]?.doubleValue ?? 0) > 0
        }
        return errorNames.contains(event.name) || (securityKindsAreErrors && event.name.isSecurity)
    }

    public func degradesHealth(_ event: TelemetryEvent) -> Bool {
        isError(event) && !healthNeutral.contains(event.name)
    }
}
