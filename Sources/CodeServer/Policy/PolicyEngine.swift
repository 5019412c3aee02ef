import Sandbox

/// The policy of one project: every rule built once from its options, and `evaluate`, which
/// turns one call into one decision.
///
/// Pure apart from reading the file system to resolve path arguments: no clock (the caller passes
/// the time), no logging, no emitting. Every rule runs on every call, so the decision lists every
/// reason at once instead of the first one found, and a client fixes a call in one round.
public struct PolicyEngine: Sendable {
    /// How many findings the reason sentence spells out; the rest are counted. Every finding still
    /// has its event, with full evidence.
    public static let maximumReasonDetails = 5

    public let tools: ToolRule
    public let gateways: GatewayRule
    public let environment: EnvPolicy
    public let paths: PathRule
    public let protectedPaths: ProtectedPathRule
    public let egress: EgressRule

    /// - Parameters:
    ///   - root: the project root as a real absolute path (the engine resolves it at start).
    ///   - beneathChecker: the final check of paths inside the root; the kernel's `openat2` in
    ///     production.
    ///   - protectedPaths: the project's protected paths before its exceptions are lifted (the
    ///     profile's list), so a write to a lifted entry is still recorded as an exception used.
    public init(
        root: String, options: RuntimeOptions, beneathChecker: any BeneathChecker,
        protectedPaths: [String] = ProtectedPaths.defaults
    ) {
        tools = ToolRule(allow: options.allowTools, deny: options.denyTools)
        gateways = GatewayRule(allowed: Set(options.protocolAllowlist))
        environment = EnvPolicy(allowlist: options.toolEnvAllowlist)
        paths = PathRule(
            resolver: PathResolver(root: root), beneathChecker: beneathChecker,
            outsideRoot: OutsideRootAllowlist(entries: options.outsideRootAllowlist),
            sensitive: SensitivePaths(
                denylist: options.sensitivePathDenylist, allowlist: options.sensitivePathAllowlist))
        self.protectedPaths = ProtectedPathRule(
            resolver: PathResolver(root: root), entries: protectedPaths, exceptions: options.protectedPathExceptions)
        egress = EgressRule(
            policy: options.networkEgressPolicy, allowlist: options.networkAllowlist,
            allowedSchemes: Set(options.networkAllowedSchemes))
    }

    /// The decision for `call`, made at `atMs` (milliseconds since the Unix epoch).
    ///
    /// A denied call has only its denials: an outside-root exception it would have used was not
    /// used, since the call does not run, so no `security.sandbox_exception_used` is emitted for it.
    public func evaluate(_ call: PolicyCall, atMs: Int64) -> Decision {
        var findings = tools.check(tool: call.tool)
        findings += gateways.check(gateway: call.gateway)
        findings += environment.check(names: call.environmentNames)
        for path in PathArguments(hints: call.hints).find(in: call.arguments) {
            findings += paths.check(path: path)
            findings += protectedPaths.check(tool: call.tool, path: path)
        }
        for target in NetworkTargets(hints: call.hints).find(in: call.arguments) {
            findings += egress.check(target: target)
        }
        let isDenied = findings.contains { $0.code.isDenial }
        if isDenied { findings.removeAll { !$0.code.isDenial } }

        var codes: [ReasonCode] = isDenied ? [] : [.allowed]
        for finding in findings where !codes.contains(finding.code) { codes.append(finding.code) }

        var decision = Decision(
            projectId: call.projectId, conversationId: call.conversationId, correlationId: call.correlationId,
            tool: call.tool, outcome: isDenied ? .denied : .allowed, reasonCodes: codes,
            reason: Self.reason(isDenied: isDenied, findings), atMs: atMs, events: [])
        decision.events = [decision.verdict]
        decision.events += findings.compactMap { finding in
            finding.code.securityEvent.flatMap { EventPayload.finding($0, Self.finding(finding, call, atMs)) }
        }
        return decision
    }

    private static func reason(isDenied: Bool, _ findings: [Finding]) -> String {
        var details = findings.prefix(maximumReasonDetails).map(\.detail)
        if findings.count > maximumReasonDetails { details.append("and \(findings.count - maximumReasonDetails) more") }
        return isDenied ? "denied: " + details.joined(separator: "; ") : (["allowed"] + details).joined(separator: "; ")
    }

    /// The call's ids, the finding's code as `reason`, the time, and the finding's evidence.
    private static func finding(_ finding: Finding, _ call: PolicyCall, _ atMs: Int64) -> SecurityFinding {
        var evidence = finding.evidence
        evidence["project_id"] = .string(call.projectId)
        evidence["correlation_id"] = .string(call.correlationId)
        evidence["at"] = .string(Timestamp.rfc3339(ms: atMs))
        if let conversationId = call.conversationId { evidence["conversation_id"] = .string(conversationId) }
        var lifted = SecurityFinding(record: evidence)
        lifted.tool = call.tool
        lifted.reason = finding.code.rawValue
        return lifted
    }
}
