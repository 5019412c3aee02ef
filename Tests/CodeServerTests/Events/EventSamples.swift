import Sandbox
import Testing

@testable import CodeServer

/// One payload of every kind, beside the JSON the emitters wrote before payloads were typed
/// (spelled out by hand from the old dictionary literals, not produced by the new encoder): the
/// wire form the runbook, `docs/api.md`, clients and existing journals depend on.
enum EventSamples {
    static let at: Int64 = 1_700_000_000_123
    static let atText: JSONValue = "2023-11-14T22:13:20.123Z"

    static let verdict = PolicyVerdict(
        projectId: "p", conversationId: "c", correlationId: "k", callId: "call-1", tool: "shell.run",
        reason: "allowed", reasonCodes: [.allowed], atMs: at)

    static let alert = Alert(
        id: 7, rule: "sandbox_violation", severity: .page, escalation: .immediate, projectId: "p", atMs: at,
        summary: "security.sandbox_violation in project p", dedupKey: "sandbox_violation:p",
        evidence: [
            Alert.Evidence(
                RuntimeEvent(
                    projectId: "p", conversationId: nil, correlationId: "k", atMs: at,
                    payload: .sandboxViolation(SecurityFinding(callId: "call-1", tool: "file.read", reason: "sandbox_violation")),
                    id: 3))
        ],
        suppressedCount: 0)

    /// (payload, the old wire JSON).
    static let all: [(EventPayload, JSONValue)] = [
        (
            .projectStarted(ProjectStarted(root: "/srv/p", profile: "default", networkEgressPolicy: .deny)),
            ["root": "/srv/p", "profile": "default", "network_egress_policy": "deny"]
        ),
        (.projectStopped, [:]),
        (
            .projectAssetsReloaded(
                AssetsReloaded(generation: 2, counts: ["skill": 1], errorCount: 0, trigger: "watcher", changedPaths: [".jido/skills"])),
            ["generation": 2, "counts": ["skill": 1], "error_count": 0, "trigger": "watcher", "changed_paths": [".jido/skills"]]
        ),
        (
            .projectWatcherReloadFailed(WatcherReloadFailed(trigger: "watcher", changedPaths: [], error: "inotify: no space")),
            ["trigger": "watcher", "changed_paths": [], "error": "inotify: no space"]
        ),
        (
            .projectWatcherReloadFailed(
                WatcherReloadFailed(
                    trigger: "manual", changedPaths: [], error: "strict_asset_loading: 1 invalid asset file(s); generation 1 kept",
                    rejected: .init(generation: 1, counts: ["skill": 0], errorCount: 1, errors: [["path": "a.md"]]))),
            [
                "trigger": "manual", "changed_paths": [], "error": "strict_asset_loading: 1 invalid asset file(s); generation 1 kept",
                "generation": 1, "counts": ["skill": 0], "error_count": 1, "errors": [["path": "a.md"]],
            ]
        ),
        (.conversationStarted, [:]),
        (.conversationStopped, [:]),
        (.conversationUserMessage(UserMessage(text: "hello")), ["text": "hello"]),
        (
            .conversationToolRequested(ToolRequested(callId: "call-1", tool: "shell.run", runMode: .sync, arguments: ["argv": ["true"]])),
            ["call_id": "call-1", "tool": "shell.run", "run_mode": "sync", "arguments": ["argv": ["true"]]]
        ),
        (.conversationQueueOverflow(QueueOverflow(limit: 2, waiting: 2)), ["limit": 2, "waiting": 2]),
        (
            .conversationQueueOverflow(QueueOverflow(limit: 2, waiting: 2, tool: "shell.run")),
            ["limit": 2, "waiting": 2, "tool": "shell.run"]
        ),
        (.conversationAssistantDelta(AssistantDelta(text: "Hel", step: 1)), ["text": "Hel", "step": 1]),
        (.conversationAssistantMessage(AssistantMessage(text: "Hello", steps: 2)), ["text": "Hello", "steps": 2]),
        (.conversationCancelled(ConversationCancelled(turnCorrelationId: nil)), ["turn_correlation_id": nil]),
        (.conversationCancelled(ConversationCancelled(turnCorrelationId: "k")), ["turn_correlation_id": "k"]),
        (.conversationResumed, [:]),
        // The journal-only entries of main's conversation journal, spelled as main wrote them.
        (
            .conversationToolRefused(
                ToolRefused(
                    toolCallId: "call_i", tool: "shell_run", reason: .invalidArguments,
                    message: "the arguments must be a JSON object", argumentBytes: 2)),
            [
                "tool_call_id": "call_i", "tool": "shell_run", "reason": "invalid_arguments",
                "message": "the arguments must be a JSON object", "argument_bytes": 2,
            ]
        ),
        (
            .conversationAssistantToolCalls(
                AssistantToolCalls(content: nil, toolCalls: [ChatToolCall(id: "call_1", name: "shell_run", arguments: "{\"argv\":[\"true\"]}")])),
            [
                "content": nil,
                "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "shell_run", "arguments": "{\"argv\":[\"true\"]}"]]],
            ]
        ),
        (
            .conversationAssistantToolCalls(
                AssistantToolCalls(content: "Let me look.", toolCalls: [ChatToolCall(id: "c", name: "fs_read", arguments: "")])),
            [
                "content": "Let me look.",
                "tool_calls": [["id": "c", "type": "function", "function": ["name": "fs_read", "arguments": ""]]],
            ]
        ),
        (
            .conversationToolOutput(ToolOutput(toolCallId: "call_1", content: "{\"status\":\"completed\"}")),
            ["tool_call_id": "call_1", "content": "{\"status\":\"completed\"}"]
        ),
        (
            .llmRequested(LLMRequested(model: "m", step: 1, attempt: 1, messages: 3, tools: 2, elidedMessages: 0)),
            ["model": "m", "step": 1, "attempt": 1, "messages": 3, "tools": 2, "elided_messages": 0]
        ),
        (
            .llmCompleted(
                LLMCompleted(
                    model: "m", step: 1, latencyMs: 40, timeToFirstTokenMs: nil, tokensIn: 10, tokensOut: nil,
                    finishReason: "stop", toolCalls: 0)),
            [
                "model": "m", "step": 1, "latency_ms": 40, "finish_reason": "stop", "tool_calls": 0,
                "time_to_first_token_ms": nil, "tokens_in": 10, "tokens_out": nil,
            ]
        ),
        (
            .llmFailed(
                LLMFailed(reason: .transport, detail: "reset", step: 1, retry: .init(attempt: 1, retryInMs: 1000, latencyMs: 5))),
            ["reason": "transport", "detail": "reset", "step": 1, "attempt": 1, "retry_in_ms": 1000, "latency_ms": 5, "final": false]
        ),
        (
            .llmFailed(LLMFailed(reason: .transport, detail: "reset", step: 2, retry: nil)),
            ["reason": "transport", "detail": "reset", "step": 2, "final": true]
        ),
        (.toolStarted(ToolStarted(callId: "call-1", tool: "shell.run")), ["call_id": "call-1", "tool": "shell.run"]),
        (
            .toolCompleted(
                ToolCompleted(
                    callId: "call-1", tool: "shell.run", durationMs: 12, sensitive: false, exitCode: 0,
                    limits: FiredLimits(limitFired: nil, limitsFired: []))),
            ["call_id": "call-1", "tool": "shell.run", "duration_ms": 12, "sensitive": false, "exit_code": 0, "limits_fired": []]
        ),
        (
            .toolCompleted(ToolCompleted(callId: "call-1", tool: "file.read", durationMs: 1, sensitive: true)),
            ["call_id": "call-1", "tool": "file.read", "duration_ms": 1, "sensitive": true]
        ),
        (
            .toolFailed(
                ToolFailed(
                    callId: "call-1", tool: "shell.run", reason: .limitExceeded, message: "memory",
                    limits: FiredLimits(limitFired: .memory, limitsFired: [.pids, .memory]))),
            [
                "call_id": "call-1", "tool": "shell.run", "reason": "limit_exceeded", "message": "memory",
                "limit_fired": "memory", "limits_fired": ["pids", "memory"],
            ]
        ),
        (
            .toolFailed(
                ToolFailed(
                    callId: "call-1", tool: "shell.run", reason: .policyDenied, message: "denied: x",
                    reasonCodes: [.toolDenied])),
            ["call_id": "call-1", "tool": "shell.run", "reason": "policy_denied", "message": "denied: x", "reason_codes": ["tool_denied"]]
        ),
        (
            .toolFailed(
                ToolFailed(callId: "call-1", tool: "wf", reason: .workflowStepFailed, message: "step", failedStep: .some(nil))),
            ["call_id": "call-1", "tool": "wf", "reason": "workflow_step_failed", "message": "step", "failed_step": nil]
        ),
        (
            .toolFailed(
                ToolFailed(callId: "call-1", tool: "wf", reason: .workflowStepFailed, message: "step", failedStep: "lint")),
            ["call_id": "call-1", "tool": "wf", "reason": "workflow_step_failed", "message": "step", "failed_step": "lint"]
        ),
        (
            .toolTimeout(
                ToolTimeout(
                    callId: "call-1", tool: "shell.run", timeoutMs: 100, durationMs: 101,
                    limits: FiredLimits(limitFired: .timeout, limitsFired: [.timeout]))),
            [
                "call_id": "call-1", "tool": "shell.run", "timeout_ms": 100, "duration_ms": 101, "limit_fired": "timeout",
                "limits_fired": ["timeout"],
            ]
        ),
        (.toolCancelled(ToolCancelled(callId: "call-1", tool: "shell.run")), ["call_id": "call-1", "tool": "shell.run"]),
        (
            .toolChildProcessesTerminated(ChildProcessesTerminated(callIds: ["call-1", "call-2"], workersKilled: 2)),
            ["call_ids": ["call-1", "call-2"], "workers_killed": 2]
        ),
        (
            .toolChildProcessesTerminated(ChildProcessesTerminated(callIds: ["call-3"], workersKilled: 0, reason: .coordinatorRestarted)),
            ["call_ids": ["call-3"], "workers_killed": 0, "reason": "coordinator_restarted"]
        ),
        (
            .policyAllowed(verdict),
            [
                "project_id": "p", "correlation_id": "k", "conversation_id": "c", "call_id": "call-1", "tool": "shell.run",
                "decision": "allowed", "reason": "allowed", "reason_codes": ["allowed"], "at": atText,
            ]
        ),
        (
            .policyDenied(
                PolicyVerdict(
                    projectId: "p", conversationId: nil, correlationId: "k", callId: nil, tool: "shell.run",
                    reason: "denied: tool_denied", reasonCodes: [.toolDenied], atMs: at)),
            [
                "project_id": "p", "correlation_id": "k", "tool": "shell.run", "decision": "denied",
                "reason": "denied: tool_denied", "reason_codes": ["tool_denied"], "at": atText,
            ]
        ),
        // The policy's findings: the finding's evidence plus the call's ids and time.
        (
            .sandboxViolation(
                SecurityFinding(
                    callId: "call-1", tool: "file.read", reason: "sandbox_violation",
                    evidence: ["path": "../x", "project_id": "p", "correlation_id": "k", "at": atText])),
            [
                "path": "../x", "project_id": "p", "correlation_id": "k", "tool": "file.read", "reason": "sandbox_violation",
                "at": atText, "call_id": "call-1",
            ]
        ),
        (
            .sandboxExceptionUsed(
                SecurityFinding(
                    callId: "call-1", tool: "file.read", reason: "sandbox_exception_used", reasonCode: "tmp_ok",
                    evidence: ["path": "/tmp/x"])),
            [
                "path": "/tmp/x", "tool": "file.read", "reason": "sandbox_exception_used", "reason_code": "tmp_ok",
                "call_id": "call-1",
            ]
        ),
        // The kernel's: `Violation.json` plus reason, source, the call.
        (
            .sensitivePathDenied(
                SecurityFinding(
                    callId: "call-1", tool: "shell.run", reason: "sensitive_path_denied", source: .kernel,
                    violationKind: "sensitive_path_denied", evidence: ["at": atText, "path": "/etc/shadow"])),
            [
                "kind": "sensitive_path_denied", "at": atText, "path": "/etc/shadow", "reason": "sensitive_path_denied",
                "source": "kernel", "call_id": "call-1", "tool": "shell.run",
            ]
        ),
        // The proxy's: `EgressConnectionRecord.json` of a refusal plus reason, source, the call.
        (
            .networkDenied(
                SecurityFinding(
                    callId: "call-1", tool: "shell.run", reason: "network_endpoint_denied", source: .proxy,
                    evidence: [
                        "host": "example.com", "port": 443, "protocol": "https", "path": "proxy", "decision": "denied",
                        "at": atText, "detail": "not in the allowlist",
                    ])),
            [
                "host": "example.com", "port": 443, "protocol": "https", "path": "proxy", "decision": "denied", "at": atText,
                "reason": "network_endpoint_denied", "detail": "not in the allowlist", "source": "proxy",
                "call_id": "call-1", "tool": "shell.run",
            ]
        ),
        (
            .envDenied(SecurityFinding(callId: "call-1", tool: "shell.run", reason: "env_denied", evidence: ["names": ["AWS_X"]])),
            ["names": ["AWS_X"], "tool": "shell.run", "reason": "env_denied", "call_id": "call-1"]
        ),
        // The MCP gateway's: no call, no tool.
        (
            .protocolDenied(
                SecurityFinding(reason: "protocol_denied", evidence: ["project_id": "p", "protocol": "mcp", "method": "tools/list"])),
            ["project_id": "p", "protocol": "mcp", "reason": "protocol_denied", "method": "tools/list"]
        ),
        (
            .sensitiveArtifactDetected(
                SensitiveArtifactDetected(callId: "call-1", tool: "file.read", findings: [["kind": "aws_access_key"]])),
            ["call_id": "call-1", "tool": "file.read", "findings": [["kind": "aws_access_key"]]]
        ),
        (
            .repeatedTimeoutFailures(
                RepeatedTimeoutFailures(callId: "call-1", tool: "shell.run", count: 3, threshold: 3, windowMs: 60_000)),
            ["tool": "shell.run", "count": 3, "threshold": 3, "window_ms": 60_000, "call_id": "call-1"]
        ),
        (
            .syscallDenied(
                SecurityFinding(
                    callId: "call-1", tool: "shell.run", reason: "syscall_denied", source: .kernel, violationKind: "syscall_denied",
                    evidence: ["at": atText, "syscall": "ptrace", "args": [1, 2]])),
            [
                "kind": "syscall_denied", "at": atText, "syscall": "ptrace", "args": [1, 2], "reason": "syscall_denied",
                "source": "kernel", "call_id": "call-1", "tool": "shell.run",
            ]
        ),
        (
            .namespaceDenied(
                SecurityFinding(
                    callId: "call-1", tool: "shell.run", reason: "namespace_denied", source: .kernel,
                    violationKind: "namespace_denied", evidence: ["at": atText, "syscall": "unshare"])),
            [
                "kind": "namespace_denied", "at": atText, "syscall": "unshare", "reason": "namespace_denied", "source": "kernel",
                "call_id": "call-1", "tool": "shell.run",
            ]
        ),
        (
            .syscallKilled(
                SecurityFinding(
                    callId: "call-1", tool: "shell.run", reason: "syscall_killed", source: .kernel, violationKind: "syscall_killed",
                    evidence: ["at": atText, "syscall": "kexec_load"])),
            [
                "kind": "syscall_killed", "at": atText, "syscall": "kexec_load", "reason": "syscall_killed", "source": "kernel",
                "call_id": "call-1", "tool": "shell.run",
            ]
        ),
        (
            .limitExceeded(SecurityFinding(callId: "call-1", tool: "shell.run", source: .proxy, limit: "network_connections")),
            ["limit": "network_connections", "source": "proxy", "call_id": "call-1", "tool": "shell.run"]
        ),
        (
            .kernelViolation(
                SecurityFinding(
                    callId: "call-1", tool: "shell.run", reason: "new_thing", source: .kernel, violationKind: "new_thing",
                    evidence: ["at": atText])),
            [
                "kind": "new_thing", "at": atText, "reason": "new_thing", "source": "kernel", "call_id": "call-1",
                "tool": "shell.run",
            ]
        ),
        (
            .networkConnection(
                NetworkConnection(
                    callId: "call-1", tool: "shell.run", host: "example.com", port: 443, address: "93.184.216.34",
                    protocol: .https, path: .transparent, startedAtMs: at, bytesSent: 10, bytesReceived: 20, durationMs: 30)),
            [
                "host": "example.com", "port": 443, "protocol": "https", "path": "transparent", "decision": "allowed",
                "at": atText, "address": "93.184.216.34", "bytes_sent": 10, "bytes_received": 20, "duration_ms": 30,
                "source": "proxy", "call_id": "call-1", "tool": "shell.run",
            ]
        ),
        (
            .alertRaised(alert),
            [
                "id": 7, "rule": "sandbox_violation", "severity": "page", "escalation": "immediate", "project_id": "p",
                "at": atText, "at_ms": .int(at), "summary": "security.sandbox_violation in project p",
                "dedup_key": "sandbox_violation:p", "suppressed_count": 0,
                "evidence": [
                    [
                        "event_id": 3, "event": "security.sandbox_violation", "project_id": "p", "at": atText,
                        "conversation_id": nil, "correlation_id": "k", "call_id": "call-1", "tool": "file.read",
                        "reason": "sandbox_violation",
                    ]
                ],
            ]
        ),
    ]

    /// The first sample of `kind`.
    static func payload(_ kind: EventKind) -> EventPayload {
        all.first { $0.0.kind == kind }!.0
    }

    /// An event of `kind` with the sample payload, `overrides` merged over its wire form and read
    /// back with the strict reader (a test that names a member the kind does not have fails).
    static func event(
        _ kind: EventKind, project: String = "p1", conversation: String? = nil, correlation: String? = nil,
        at atMs: Int64 = 0, id: UInt64 = 0, with overrides: [String: JSONValue] = [:]
    ) -> RuntimeEvent {
        var json = payload(kind).json.objectValue ?? [:]
        for (key, value) in overrides { json[key] = value }
        let typed: EventPayload
        do {
            typed = try EventPayload(kind: kind, json: .object(json))
        } catch {
            Issue.record("test payload of \(kind.rawValue): \(error)")
            typed = payload(kind)
        }
        return RuntimeEvent(
            projectId: project, conversationId: conversation, correlationId: correlation, atMs: atMs, payload: typed, id: id)
    }
}

extension TelemetryHub {
    struct Dropped: Error {}

    /// `emitChecked` for tests whose events always pass redaction: a dropped event is an error.
    @discardableResult
    func emitRecorded(_ event: RuntimeEvent) throws -> Emitted {
        guard let emitted = try emitChecked(event) else { throw Dropped() }
        return emitted
    }
}
