import Sandbox

/// What an event means for an operator, decided from the runbook in one place so that health,
/// `recent_errors` and the failure-ratio page agree (docs/operations.md, "What counts as a failure").
///
/// - Expected refusals: `policy.denied` ("expected for unauthorized calls"), a `tool.failed` whose
///   reason is `policy_denied`, `security.protocol_denied` (a closed gateway),
///   `security.env_denied` (a variable the allowlist does not name), a call to a stopped project,
///   and `security.sandbox_exception_used` (an approved exception, a warning to validate). The gate worked; they are errors for triage (`recent_errors`) but degrade nothing
///   and are no tool outcome for the failure ratio. Only a volume spike is news (its own rule).
/// - Caller mistakes: a `tool.failed` whose reason says the caller asked for something that cannot
///   be (`invalid_arguments`, `unknown_tool`, a missing file, a directory where a file was meant).
///   Nothing on the host misbehaved: triage sees them, health and the failure ratio do not.
/// - Failures: every other `tool.failed`, `tool.timeout`, watcher and reload errors, and the
///   security signals (a sandbox violation, a sensitive path, a kernel denial): they degrade health.
public struct EventClassifier: Sendable {
    public enum Kind: String, Sendable {
        /// Not an error at all.
        case normal
        /// Recorded for triage, health-neutral: the gate doing what it was configured to do.
        case expected
        /// An error for triage, health-neutral: the caller's request could not be served as asked.
        case callerMistake = "caller_mistake"
        /// An error that degrades health.
        case failure
    }

    public var errorNames: Set<EventKind>
    /// Whether every `security.*` kind is an error (the default).
    public var securityKindsAreErrors: Bool
    /// Errors that still leave the project `ok` whatever their payload.
    public var healthNeutral: Set<EventKind>
    /// `tool.failed` reasons that are expected refusals.
    public var refusalReasons: Set<FailureReason>
    /// `tool.failed` reasons that are the caller's mistake.
    public var callerMistakeReasons: Set<FailureReason>

    public static let defaultRefusalReasons: Set<FailureReason> = [.policyDenied, .projectStopped]
    /// `not_found`, `is_a_directory` and `not_a_file` are the file tools' own codes for a path that
    /// is missing or of the wrong kind.
    public static let defaultCallerMistakeReasons: Set<FailureReason> = [
        .invalidArguments, .unknownTool, .notFound, .isADirectory, .notAFile,
    ]

    public init(
        errorNames: Set<EventKind> = [
            .toolFailed, .toolTimeout, .policyDenied, .projectWatcherReloadFailed, .conversationQueueOverflow,
            .alertRaised,
        ],
        securityKindsAreErrors: Bool = true,
        healthNeutral: Set<EventKind> = [.policyDenied, .protocolDenied, .envDenied, .sandboxExceptionUsed, .alertRaised],
        refusalReasons: Set<FailureReason> = EventClassifier.defaultRefusalReasons,
        callerMistakeReasons: Set<FailureReason> = EventClassifier.defaultCallerMistakeReasons
    ) {
        self.errorNames = errorNames
        self.securityKindsAreErrors = securityKindsAreErrors
        self.healthNeutral = healthNeutral
        self.refusalReasons = refusalReasons
        self.callerMistakeReasons = callerMistakeReasons
    }

    public func kind(_ event: TelemetryEvent) -> Kind {
        guard isError(event) else { return .normal }
        if healthNeutral.contains(event.name) { return .expected }
        if case .toolFailed(let failed) = event.payload {
            if refusalReasons.contains(failed.reason) { return .expected }
            if callerMistakeReasons.contains(failed.reason) { return .callerMistake }
        }
        return .failure
    }

    /// `project.assets_reloaded` counts as an error only when its payload's `error_count` is above zero.
    public func isError(_ event: TelemetryEvent) -> Bool {
        if case .projectAssetsReloaded(let reloaded) = event.payload { return reloaded.errorCount > 0 }
        return errorNames.contains(event.name) || (securityKindsAreErrors && event.name.isSecurity)
    }

    public func degradesHealth(_ event: TelemetryEvent) -> Bool {
        kind(event) == .failure
    }

    /// Whether `event` is a tool outcome for the failure ratio, and if so whether a failed one:
    /// `tool.completed` and `tool.timeout` are outcomes, a `tool.failed` only when it is a
    /// failure (a refusal or a caller's mistake is no outcome of running a tool).
    public func toolOutcome(_ event: TelemetryEvent) -> (isOutcome: Bool, failed: Bool) {
        switch event.name {
        case .toolCompleted, .toolTimeout: (true, false)
        case .toolFailed: kind(event) == .failure ? (true, true) : (false, false)
        default: (false, false)
        }
    }
}
