import Sandbox

/// What a project's tools may do with one path argument: stay inside the root (checked twice, by
/// `PathResolver`'s walk and then by the `BeneathChecker`), or leave it only where an
/// `outside_root_allowlist` entry says so; and in either case not touch a sensitive path.
///
/// Sensitivity is checked on the name as written and on the resolved target, so neither a link
/// named `notes.txt` pointing at `.env` nor a file named `.env` gets through.
public struct PathRule: Sendable {
    public var resolver: PathResolver
    public var beneathChecker: any BeneathChecker
    public var outsideRoot: OutsideRootAllowlist
    public var sensitive: SensitivePaths

    public init(
        resolver: PathResolver, beneathChecker: any BeneathChecker, outsideRoot: OutsideRootAllowlist,
        sensitive: SensitivePaths
    ) {
        self.resolver = resolver
        self.beneathChecker = beneathChecker
        self.outsideRoot = outsideRoot
        self.sensitive = sensitive
    }

    public func check(path: String) -> [Finding] {
        let resolution = resolver.resolve(path)
        var findings: [Finding] = []
        var evidence = Self.evidence(resolution)
        switch resolution.outcome {
        case .inside:
            let verdict = beneathChecker.check(kernelCheckPath(resolution), beneath: resolver.root)
            if verdict != .beneath {
                evidence["escape"] = "beneath_check"
                if case .failed(let code) = verdict { evidence["errno"] = .int(Int64(code)) }
                findings.append(violation(path, "the beneath check refused it", evidence))
            }
        case .outside(let escape):
            if let entry = outsideRoot.entry(covering: resolution.resolved) {
                var used = evidence
                used["reason_code"] = .string(entry.reasonCode)
                used["entry"] = entry.json
                findings.append(
                    Finding(
                        code: .sandboxExceptionUsed,
                        detail: "path '\(path)' is outside the root, allowed by outside_root_allowlist "
                            + "(reason_code \(entry.reasonCode))",
                        evidence: used))
            } else {
                evidence["escape"] = Self.describe(escape)
                findings.append(violation(path, "it resolves outside the project root", evidence))
            }
        case .unresolvable(let problem):
            evidence["escape"] = Self.describe(problem)
            findings.append(violation(path, "it cannot be resolved", evidence))
        }
        for name in sensitiveNames(resolution) {
            guard let match = sensitive.match(name) else { continue }
            var sensitiveEvidence = Self.evidence(resolution)
            sensitiveEvidence["pattern"] = .string(match.pattern.pattern)
            sensitiveEvidence["matched"] = .string(match.subject)
            findings.append(
                Finding(
                    code: .sensitivePathDenied,
                    detail: "path '\(path)' matches sensitive_path_denylist entry '\(match.pattern)'",
                    evidence: sensitiveEvidence))
            break
        }
        return findings
    }

    /// What the beneath check is given: the path as written when it can be expressed relative to
    /// the root, so the second resolution starts from the call's own text rather than from the
    /// first resolution's answer; otherwise (an absolute path that reached the root through a
    /// link) the resolved path.
    private func kernelCheckPath(_ resolution: PathResolution) -> String {
        let requested = resolution.requested
        if !requested.hasPrefix("/") { return requested.isEmpty ? "." : requested }
        if let below = PathText.components(of: requested, under: PathText.components(resolver.root)) {
            return below.isEmpty ? "." : below.joined(separator: "/")
        }
        return resolver.relativePath(resolution) ?? "."
    }

    /// The written name, lexically normalized, and the resolved target: relative to the root when
    /// inside it (so the root's own location never matches a pattern), absolute otherwise.
    private func sensitiveNames(_ resolution: PathResolution) -> [String] {
        let rootComponents = PathText.components(resolver.root)
        func name(_ absolute: [String]) -> String {
            guard absolute.starts(with: rootComponents) else { return PathText.absolute(absolute) }
            return absolute.dropFirst(rootComponents.count).joined(separator: "/")
        }
        let written = PathText.lexicallyNormalized(
            resolution.requested.hasPrefix("/")
                ? PathText.components(resolution.requested)
                : rootComponents + PathText.components(resolution.requested))
        return [name(written), name(PathText.components(resolution.resolved))]
    }

    private func violation(_ path: String, _ why: String, _ evidence: [String: JSONValue]) -> Finding {
        Finding(code: .sandboxViolation, detail: "path '\(path)': \(why)", evidence: evidence)
    }

    private static func evidence(_ resolution: PathResolution) -> [String: JSONValue] {
        var evidence: [String: JSONValue] = [
            "path": .string(resolution.requested), "resolved": .string(resolution.resolved),
        ]
        if !resolution.hops.isEmpty {
            evidence["symlink_hops"] = .array(
                resolution.hops.map { ["link": .string($0.link), "target": .string($0.target)] })
        }
        if resolution.dotDotAfterSymlink { evidence["dotdot_after_symlink"] = true }
        return evidence
    }

    private static func describe(_ escape: PathResolution.Escape) -> JSONValue {
        switch escape {
        case .absolutePath: "absolute_path"
        case .dotDot: "dotdot"
        case .symlink: "symlink"
        }
    }

    private static func describe(_ problem: PathResolution.Problem) -> JSONValue {
        switch problem {
        case .containsNUL: "contains_nul"
        case .tooManySymlinks: "too_many_symlinks"
        case .uninspectable: "uninspectable"
        case .nonUTF8SymlinkTarget: "non_utf8_symlink_target"
        }
    }
}
