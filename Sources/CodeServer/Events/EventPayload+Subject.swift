import Sandbox

/// What an alert's evidence, diagnostics and the incident view say about any event: the call it
/// is about, the tool, and why, where its kind has them.
extension EventPayload {
    /// The tool call the event is about; nil for events of no call.
    public var callId: String? {
        switch self {
        case .conversationToolRequested(let p): p.callId
        case .toolStarted(let p): p.callId
        case .toolCompleted(let p): p.callId
        case .toolFailed(let p): p.callId
        case .toolTimeout(let p): p.callId
        case .toolCancelled(let p): p.callId
        case .policyAllowed(let p), .policyDenied(let p): p.callId
        case .sensitiveArtifactDetected(let p): p.callId
        case .repeatedTimeoutFailures(let p): p.callId
        case .networkConnection(let p): p.callId
        default: securityFinding?.callId
        }
    }

    public var tool: String? {
        switch self {
        case .conversationToolRequested(let p): p.tool
        case .conversationQueueOverflow(let p): p.tool
        case .conversationToolRefused(let p): p.tool
        case .toolStarted(let p): p.tool
        case .toolCompleted(let p): p.tool
        case .toolFailed(let p): p.tool
        case .toolTimeout(let p): p.tool
        case .toolCancelled(let p): p.tool
        case .policyAllowed(let p), .policyDenied(let p): p.tool
        case .sensitiveArtifactDetected(let p): p.tool
        case .repeatedTimeoutFailures(let p): p.tool
        case .networkConnection(let p): p.tool
        default: securityFinding?.tool
        }
    }

    /// The payload's `reason` as it is on the wire: a `FailureReason`, an `LLMFailureReason`, a
    /// security finding's code, or the policy's sentence.
    public var reason: String? {
        switch self {
        case .toolFailed(let p): p.reason.rawValue
        case .conversationToolRefused(let p): p.reason.rawValue
        case .llmFailed(let p): p.reason.rawValue
        case .policyAllowed(let p), .policyDenied(let p): p.reason
        default: securityFinding?.reason
        }
    }

    /// The payload of the `security.*` kinds that report a refusal or a violation.
    public var securityFinding: SecurityFinding? {
        switch self {
        case .sandboxViolation(let p), .sandboxExceptionUsed(let p), .sensitivePathDenied(let p), .networkDenied(let p),
            .envDenied(let p), .protocolDenied(let p), .syscallDenied(let p), .namespaceDenied(let p), .syscallKilled(let p),
            .limitExceeded(let p), .kernelViolation(let p):
            p
        default: nil
        }
    }

    /// The sandbox limits a call's ending event reports (absent when no sandbox ran).
    public var firedLimits: FiredLimits? {
        switch self {
        case .toolCompleted(let p): p.limits
        case .toolFailed(let p): p.limits
        case .toolTimeout(let p): p.limits
        case .toolCancelled(let p): p.limits
        default: nil
        }
    }

    /// The payload with `call_id` (and, for a security finding, `tool`) set where its kind may
    /// lack them: the policy's and the egress proxy's payloads, built without the call at hand.
    public func naming(call callId: String, tool: String? = nil) -> EventPayload {
        switch self {
        case .policyAllowed(var verdict) where verdict.callId == nil:
            verdict.callId = callId
            return .policyAllowed(verdict)
        case .policyDenied(var verdict) where verdict.callId == nil:
            verdict.callId = callId
            return .policyDenied(verdict)
        default:
            guard var finding = securityFinding else { return self }
            finding.callId = finding.callId ?? callId
            finding.tool = finding.tool ?? tool
            return Self.finding(kind, finding) ?? self
        }
    }

    /// A security finding of `kind` (one of the kinds `securityFinding` covers); nil for any other kind.
    public static func finding(_ kind: EventKind, _ finding: SecurityFinding) -> EventPayload? {
        switch kind {
        case .sandboxViolation: .sandboxViolation(finding)
        case .sandboxExceptionUsed: .sandboxExceptionUsed(finding)
        case .sensitivePathDenied: .sensitivePathDenied(finding)
        case .networkDenied: .networkDenied(finding)
        case .envDenied: .envDenied(finding)
        case .protocolDenied: .protocolDenied(finding)
        case .syscallDenied: .syscallDenied(finding)
        case .namespaceDenied: .namespaceDenied(finding)
        case .syscallKilled: .syscallKilled(finding)
        case .limitExceeded: .limitExceeded(finding)
        case .kernelViolation: .kernelViolation(finding)
        default: nil
        }
    }
}
