import Sandbox

/// Every event the runtime records, with its typed payload: the answer to "what events exist?".
///
/// One case per `EventKind` (the wire names), each holding the payload type of that kind; the
/// kind is derived from the case, so a payload cannot travel under another kind's name. The
/// payload types live in `Events/Payloads/` (one file per family: project, conversation, llm,
/// tool, policy, security, network; `alert.raised` carries `Alert`). `json` is the wire form the
/// journal, the API, the runbook and clients read (member for member what the old dictionaries
/// held); `init(kind:json:)` is the one strict reader back, naming the member and the reason on
/// error.
public enum EventPayload: Sendable, Equatable {
    case projectStarted(ProjectStarted)
    case projectStopped
    case projectAssetsReloaded(AssetsReloaded)
    case projectWatcherReloadFailed(WatcherReloadFailed)
    case conversationStarted
    case conversationStopped
    case conversationUserMessage(UserMessage)
    case conversationToolRequested(ToolRequested)
    case conversationQueueOverflow(QueueOverflow)
    case conversationAssistantDelta(AssistantDelta)
    case conversationAssistantMessage(AssistantMessage)
    case conversationCancelled(ConversationCancelled)
    case conversationResumed
    case conversationToolRefused(ToolRefused)
    case conversationAssistantToolCalls(AssistantToolCalls)
    case conversationToolOutput(ToolOutput)
    case llmRequested(LLMRequested)
    case llmCompleted(LLMCompleted)
    case llmFailed(LLMFailed)
    case toolStarted(ToolStarted)
    case toolCompleted(ToolCompleted)
    case toolFailed(ToolFailed)
    case toolTimeout(ToolTimeout)
    case toolCancelled(ToolCancelled)
    case toolChildProcessesTerminated(ChildProcessesTerminated)
    case policyAllowed(PolicyVerdict)
    case policyDenied(PolicyVerdict)
    case sandboxViolation(SecurityFinding)
    case sandboxExceptionUsed(SecurityFinding)
    case sensitivePathDenied(SecurityFinding)
    case networkDenied(SecurityFinding)
    case envDenied(SecurityFinding)
    case protocolDenied(SecurityFinding)
    case sensitiveArtifactDetected(SensitiveArtifactDetected)
    case repeatedTimeoutFailures(RepeatedTimeoutFailures)
    case syscallDenied(SecurityFinding)
    case namespaceDenied(SecurityFinding)
    case syscallKilled(SecurityFinding)
    case limitExceeded(SecurityFinding)
    case kernelViolation(SecurityFinding)
    case networkConnection(NetworkConnection)
    case alertRaised(Alert)

    /// The kind this payload is the payload of.
    public var kind: EventKind {
        switch self {
        case .projectStarted: .projectStarted
        case .projectStopped: .projectStopped
        case .projectAssetsReloaded: .projectAssetsReloaded
        case .projectWatcherReloadFailed: .projectWatcherReloadFailed
        case .conversationStarted: .conversationStarted
        case .conversationStopped: .conversationStopped
        case .conversationUserMessage: .conversationUserMessage
        case .conversationToolRequested: .conversationToolRequested
        case .conversationQueueOverflow: .conversationQueueOverflow
        case .conversationAssistantDelta: .conversationAssistantDelta
        case .conversationAssistantMessage: .conversationAssistantMessage
        case .conversationCancelled: .conversationCancelled
        case .conversationResumed: .conversationResumed
        case .conversationToolRefused: .conversationToolRefused
        case .conversationAssistantToolCalls: .conversationAssistantToolCalls
        case .conversationToolOutput: .conversationToolOutput
        case .llmRequested: .llmRequested
        case .llmCompleted: .llmCompleted
        case .llmFailed: .llmFailed
        case .toolStarted: .toolStarted
        case .toolCompleted: .toolCompleted
        case .toolFailed: .toolFailed
        case .toolTimeout: .toolTimeout
        case .toolCancelled: .toolCancelled
        case .toolChildProcessesTerminated: .toolChildProcessesTerminated
        case .policyAllowed: .policyAllowed
        case .policyDenied: .policyDenied
        case .sandboxViolation: .sandboxViolation
        case .sandboxExceptionUsed: .sandboxExceptionUsed
        case .sensitivePathDenied: .sensitivePathDenied
        case .networkDenied: .networkDenied
        case .envDenied: .envDenied
        case .protocolDenied: .protocolDenied
        case .sensitiveArtifactDetected: .sensitiveArtifactDetected
        case .repeatedTimeoutFailures: .repeatedTimeoutFailures
        case .syscallDenied: .syscallDenied
        case .namespaceDenied: .namespaceDenied
        case .syscallKilled: .syscallKilled
        case .limitExceeded: .limitExceeded
        case .kernelViolation: .kernelViolation
        case .networkConnection: .networkConnection
        case .alertRaised: .alertRaised
        }
    }

    /// The payload's value, whichever kind it is of (nil for the kinds that carry nothing).
    public var body: (any EventPayloadBody)? {
        switch self {
        case .projectStopped, .conversationStarted, .conversationStopped, .conversationResumed: nil
        case .projectStarted(let body): body
        case .projectAssetsReloaded(let body): body
        case .projectWatcherReloadFailed(let body): body
        case .conversationUserMessage(let body): body
        case .conversationToolRequested(let body): body
        case .conversationQueueOverflow(let body): body
        case .conversationAssistantDelta(let body): body
        case .conversationAssistantMessage(let body): body
        case .conversationCancelled(let body): body
        case .conversationToolRefused(let body): body
        case .conversationAssistantToolCalls(let body): body
        case .conversationToolOutput(let body): body
        case .llmRequested(let body): body
        case .llmCompleted(let body): body
        case .llmFailed(let body): body
        case .toolStarted(let body): body
        case .toolCompleted(let body): body
        case .toolFailed(let body): body
        case .toolTimeout(let body): body
        case .toolCancelled(let body): body
        case .toolChildProcessesTerminated(let body): body
        case .policyAllowed(let body): body
        case .policyDenied(let body): body
        case .sandboxViolation(let body): body
        case .sandboxExceptionUsed(let body): body
        case .sensitivePathDenied(let body): body
        case .networkDenied(let body): body
        case .envDenied(let body): body
        case .protocolDenied(let body): body
        case .sensitiveArtifactDetected(let body): body
        case .repeatedTimeoutFailures(let body): body
        case .syscallDenied(let body): body
        case .namespaceDenied(let body): body
        case .syscallKilled(let body): body
        case .limitExceeded(let body): body
        case .kernelViolation(let body): body
        case .networkConnection(let body): body
        case .alertRaised(let body): body
        }
    }

    /// The wire form: the members of the kind's payload object.
    public var json: JSONValue {
        switch self {
        case .policyAllowed(let verdict), .policyDenied(let verdict):
            var object = verdict.json.objectValue ?? [:]
            object["decision"] = .string(kind.policyDecision ?? "")
            return .object(object)
        default:
            return body?.json ?? [:]
        }
    }

    /// The one strict reader of a payload: a journal row, or an event a client got from the API.
    /// Every member the kind's type holds must be there with its type, and no other member may
    /// (only the security findings keep their layer's record as evidence).
    public init(kind: EventKind, json: JSONValue) throws(EventPayloadError) {
        var r = try PayloadReader(kind: kind, json: json)
        switch kind {
        case .projectStarted: self = .projectStarted(try ProjectStarted(reading: &r))
        case .projectStopped: self = .projectStopped
        case .projectAssetsReloaded: self = .projectAssetsReloaded(try AssetsReloaded(reading: &r))
        case .projectWatcherReloadFailed: self = .projectWatcherReloadFailed(try WatcherReloadFailed(reading: &r))
        case .conversationStarted: self = .conversationStarted
        case .conversationStopped: self = .conversationStopped
        case .conversationUserMessage: self = .conversationUserMessage(try UserMessage(reading: &r))
        case .conversationToolRequested: self = .conversationToolRequested(try ToolRequested(reading: &r))
        case .conversationQueueOverflow: self = .conversationQueueOverflow(try QueueOverflow(reading: &r))
        case .conversationAssistantDelta: self = .conversationAssistantDelta(try AssistantDelta(reading: &r))
        case .conversationAssistantMessage: self = .conversationAssistantMessage(try AssistantMessage(reading: &r))
        case .conversationCancelled: self = .conversationCancelled(try ConversationCancelled(reading: &r))
        case .conversationResumed: self = .conversationResumed
        case .conversationToolRefused: self = .conversationToolRefused(try ToolRefused(reading: &r))
        case .conversationAssistantToolCalls: self = .conversationAssistantToolCalls(try AssistantToolCalls(reading: &r))
        case .conversationToolOutput: self = .conversationToolOutput(try ToolOutput(reading: &r))
        case .llmRequested: self = .llmRequested(try LLMRequested(reading: &r))
        case .llmCompleted: self = .llmCompleted(try LLMCompleted(reading: &r))
        case .llmFailed: self = .llmFailed(try LLMFailed(reading: &r))
        case .toolStarted: self = .toolStarted(try ToolStarted(reading: &r))
        case .toolCompleted: self = .toolCompleted(try ToolCompleted(reading: &r))
        case .toolFailed: self = .toolFailed(try ToolFailed(reading: &r))
        case .toolTimeout: self = .toolTimeout(try ToolTimeout(reading: &r))
        case .toolCancelled: self = .toolCancelled(try ToolCancelled(reading: &r))
        case .toolChildProcessesTerminated: self = .toolChildProcessesTerminated(try ChildProcessesTerminated(reading: &r))
        case .policyAllowed: self = .policyAllowed(try Self.verdict(&r))
        case .policyDenied: self = .policyDenied(try Self.verdict(&r))
        case .sandboxViolation: self = .sandboxViolation(try SecurityFinding(reading: &r))
        case .sandboxExceptionUsed: self = .sandboxExceptionUsed(try SecurityFinding(reading: &r))
        case .sensitivePathDenied: self = .sensitivePathDenied(try SecurityFinding(reading: &r))
        case .networkDenied: self = .networkDenied(try SecurityFinding(reading: &r))
        case .envDenied: self = .envDenied(try SecurityFinding(reading: &r))
        case .protocolDenied: self = .protocolDenied(try SecurityFinding(reading: &r))
        case .sensitiveArtifactDetected: self = .sensitiveArtifactDetected(try SensitiveArtifactDetected(reading: &r))
        case .repeatedTimeoutFailures: self = .repeatedTimeoutFailures(try RepeatedTimeoutFailures(reading: &r))
        case .syscallDenied: self = .syscallDenied(try SecurityFinding(reading: &r))
        case .namespaceDenied: self = .namespaceDenied(try SecurityFinding(reading: &r))
        case .syscallKilled: self = .syscallKilled(try SecurityFinding(reading: &r))
        case .limitExceeded: self = .limitExceeded(try SecurityFinding(reading: &r))
        case .kernelViolation: self = .kernelViolation(try SecurityFinding(reading: &r))
        case .networkConnection: self = .networkConnection(try NetworkConnection(reading: &r))
        case .alertRaised: self = .alertRaised(try Alert(reading: &r))
        }
        try r.finish()
    }

    private static func verdict(_ r: inout PayloadReader) throws(EventPayloadError) -> PolicyVerdict {
        let word = try r.string("decision")
        guard word == r.kind.policyDecision else {
            throw r.fail("decision", "'\(word)' in a \(r.kind.rawValue) event")
        }
        return try PolicyVerdict(reading: &r)
    }
}
