import Sandbox

/// Turns what the worker's monitor recorded into the security event of the call that caused it:
/// the same names the policy uses where the meaning is the same (a connect the kernel refused is
/// `security.network_denied`, like a URL the policy refused), with `source: kernel` to tell them
/// apart.
enum KernelViolationEvent {
    static func name(for kind: String) -> EventKind {
        switch kind {
        case "network_denied", "network_protocol_denied": EventKind.networkDenied
        case "syscall_denied": EventKind.syscallDenied
        case "namespace_denied": EventKind.namespaceDenied
        case "syscall_killed": EventKind.syscallKilled
        case "limit_exceeded": EventKind.limitExceeded
        // A trap the worker mounted over a denylisted workspace path, or over a host secret.
        case "sensitive_path_denied": EventKind.sensitivePathDenied
        case "sandbox_violation": EventKind.sandboxViolation
        // A kind added to the worker later still reaches telemetry, as a violation whose payload
        // names it (`kind`, from `Violation.json`).
        default: EventKind.kernelViolation
        }
    }

    static func event(_ violation: Violation, call: ToolCall, projectId: String) -> RuntimeEvent {
        var finding = SecurityFinding(record: violation.json.objectValue ?? [:])
        // Egress refusals carry the policy's reason code (network_endpoint_denied, …).
        finding.reason = violation.networkReason ?? violation.kind
        finding.source = .kernel
        finding.callId = call.id
        finding.tool = call.tool
        let kind = name(for: violation.kind)
        return RuntimeEvent(
            projectId: projectId, conversationId: call.conversationId, correlationId: call.correlationId,
            atMs: violation.atMs, payload: EventPayload.finding(kind, finding) ?? .kernelViolation(finding))
    }
}
