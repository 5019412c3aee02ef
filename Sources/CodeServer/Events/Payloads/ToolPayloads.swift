import Sandbox

/// The sandbox limits of a call that ran in one: `limit_fired` (the one that ended the tool, else
/// the first that fired; absent when none did) and `limits_fired` (every one, in order). Absent
/// both when no sandbox ran (refusals, coordinator tools, workflows).
public struct FiredLimits: Sendable, Equatable {
    public var limitFired: SandboxResult.Limit?
    public var limitsFired: [SandboxResult.Limit]

    public init(limitFired: SandboxResult.Limit?, limitsFired: [SandboxResult.Limit]) {
        self.limitFired = limitFired
        self.limitsFired = limitsFired
    }

    public init(_ sandbox: SandboxResult) {
        self.init(limitFired: sandbox.limitFired, limitsFired: sandbox.limitsFired)
    }

    /// Every limit named, `limit_fired` last (the daemon's limit counters count each).
    public var all: [SandboxResult.Limit] { limitsFired + (limitFired.map { [$0] } ?? []) }

    static func read(_ r: inout PayloadReader) throws(EventPayloadError) -> FiredLimits? {
        guard r.has("limits_fired") else {
            guard !r.has("limit_fired") else { throw r.fail("limit_fired", "present without limits_fired") }
            return nil
        }
        return FiredLimits(
            limitFired: try r.optionalWord("limit_fired", as: SandboxResult.Limit.self),
            limitsFired: try r.words("limits_fired", as: SandboxResult.Limit.self))
    }

    static func write(_ limits: FiredLimits?, to w: inout PayloadWriter) {
        guard let limits else { return }
        w.set("limit_fired", limits.limitFired)
        w.set("limits_fired", limits.limitsFired)
    }
}

/// `tool.started`.
public struct ToolStarted: EventPayloadBody {
    public var callId: String
    public var tool: String

    public init(callId: String, tool: String) {
        self.callId = callId
        self.tool = tool
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
    }

    public var json: JSONValue { ["call_id": .string(callId), "tool": .string(tool)] }
}

/// `tool.completed`: with the program's own status when it had one.
public struct ToolCompleted: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var durationMs: Int64
    /// The output carries something that looks like a credential (`security.sensitive_artifact_detected`).
    public var sensitive: Bool
    public var exitCode: Int64?
    public var signal: Int64?
    public var limits: FiredLimits?

    public init(
        callId: String, tool: String, durationMs: Int64, sensitive: Bool, exitCode: Int64? = nil, signal: Int64? = nil,
        limits: FiredLimits? = nil
    ) {
        self.callId = callId
        self.tool = tool
        self.durationMs = durationMs
        self.sensitive = sensitive
        self.exitCode = exitCode
        self.signal = signal
        self.limits = limits
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        durationMs = try r.int("duration_ms")
        sensitive = try r.bool("sensitive")
        exitCode = try r.optionalInt("exit_code")
        signal = try r.optionalInt("signal")
        limits = try FiredLimits.read(&r)
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "call_id": .string(callId), "tool": .string(tool), "duration_ms": .int(durationMs), "sensitive": .bool(sensitive),
        ])
        w.set("exit_code", exitCode)
        w.set("signal", signal)
        FiredLimits.write(limits, to: &w)
        return w.json
    }
}

/// `tool.failed`: why (`reason`), for people (`message`), the workflow step that failed, and the
/// policy's codes when the policy refused the call.
public struct ToolFailed: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var reason: FailureReason
    public var message: String
    /// A workflow's first failed step: absent for other tools, `null` for a workflow whose
    /// failure was not a step's.
    public var failedStep: String??
    public var reasonCodes: [ReasonCode]?
    public var limits: FiredLimits?

    public init(
        callId: String, tool: String, reason: FailureReason, message: String, failedStep: String?? = .none,
        reasonCodes: [ReasonCode]? = nil, limits: FiredLimits? = nil
    ) {
        self.callId = callId
        self.tool = tool
        self.reason = reason
        self.message = message
        self.failedStep = failedStep
        self.reasonCodes = reasonCodes
        self.limits = limits
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        reason = try r.word("reason", as: FailureReason.self)
        message = try r.string("message")
        failedStep = try r.presentString("failed_step")
        reasonCodes = try r.optionalWords("reason_codes", as: ReasonCode.self)
        limits = try FiredLimits.read(&r)
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "call_id": .string(callId), "tool": .string(tool), "reason": .string(reason.rawValue), "message": .string(message),
        ])
        if case .some(let step) = failedStep { w["failed_step"] = step.map(JSONValue.string) ?? .null }
        w.set("reason_codes", reasonCodes)
        FiredLimits.write(limits, to: &w)
        return w.json
    }
}

/// `tool.timeout`.
public struct ToolTimeout: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var timeoutMs: Int64
    public var durationMs: Int64
    public var limits: FiredLimits?

    public init(callId: String, tool: String, timeoutMs: Int64, durationMs: Int64, limits: FiredLimits? = nil) {
        self.callId = callId
        self.tool = tool
        self.timeoutMs = timeoutMs
        self.durationMs = durationMs
        self.limits = limits
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        timeoutMs = try r.int("timeout_ms")
        durationMs = try r.int("duration_ms")
        limits = try FiredLimits.read(&r)
    }

    public var json: JSONValue {
        var w = PayloadWriter([
            "call_id": .string(callId), "tool": .string(tool), "timeout_ms": .int(timeoutMs), "duration_ms": .int(durationMs),
        ])
        FiredLimits.write(limits, to: &w)
        return w.json
    }
}

/// `tool.cancelled`.
public struct ToolCancelled: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var limits: FiredLimits?

    public init(callId: String, tool: String, limits: FiredLimits? = nil) {
        self.callId = callId
        self.tool = tool
        self.limits = limits
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        limits = try FiredLimits.read(&r)
    }

    public var json: JSONValue {
        var w = PayloadWriter(["call_id": .string(callId), "tool": .string(tool)])
        FiredLimits.write(limits, to: &w)
        return w.json
    }
}

/// `tool.child_processes_terminated`: the calls cancelled, and how many workers were killed.
public struct ChildProcessesTerminated: EventPayloadBody {
    /// Why calls ended without their sandboxes being killed here; absent for a cancel.
    public enum Reason: String, Sendable {
        /// They died with the previous coordinator process (a restart found them accepted and
        /// not finished); `workers_killed` is 0.
        case coordinatorRestarted = "coordinator_restarted"
    }

    public var callIds: [String]
    public var workersKilled: Int64
    public var reason: Reason?

    public init(callIds: [String], workersKilled: Int64, reason: Reason? = nil) {
        self.callIds = callIds
        self.workersKilled = workersKilled
        self.reason = reason
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callIds = try r.strings("call_ids")
        workersKilled = try r.int("workers_killed")
        reason = try r.optionalWord("reason", as: Reason.self)
    }

    public var json: JSONValue {
        var w = PayloadWriter(["call_ids": .array(callIds.map(JSONValue.string)), "workers_killed": .int(workersKilled)])
        w.set("reason", reason)
        return w.json
    }
}

/// `security.sensitive_artifact_detected`: the result of a call carries something that looks
/// like a credential; `findings` as `SensitiveScanner` reports them (never the secret itself).
public struct SensitiveArtifactDetected: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var findings: [JSONValue]

    public init(callId: String, tool: String, findings: [JSONValue]) {
        self.callId = callId
        self.tool = tool
        self.findings = findings
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        guard case .array(let findings) = try r.json("findings") else { throw r.fail("findings", "not an array") }
        self.findings = findings
    }

    public var json: JSONValue { ["call_id": .string(callId), "tool": .string(tool), "findings": .array(findings)] }
}

/// `security.repeated_timeout_failures`: `count` timeouts of `tool` within `window_ms`
/// (the threshold is `threshold`); `call_id` is the call whose timeout crossed it.
public struct RepeatedTimeoutFailures: EventPayloadBody {
    public var callId: String
    public var tool: String
    public var count: Int64
    public var threshold: Int64
    public var windowMs: Int64

    public init(callId: String, tool: String, count: Int64, threshold: Int64, windowMs: Int64) {
        self.callId = callId
        self.tool = tool
        self.count = count
        self.threshold = threshold
        self.windowMs = windowMs
    }

    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        callId = try r.string("call_id")
        tool = try r.string("tool")
        count = try r.int("count")
        threshold = try r.int("threshold")
        windowMs = try r.int("window_ms")
    }

    public var json: JSONValue {
        [
            "call_id": .string(callId), "tool": .string(tool), "count": .int(count), "threshold": .int(threshold),
            "window_ms": .int(windowMs),
        ]
    }
}
