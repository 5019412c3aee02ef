import Sandbox

/// A credential-looking thing found in a call's output: what it looks like and where it is. The
/// matched text itself is never kept, so the finding can travel in events and logs.
public struct SensitiveFinding: Sendable, Equatable {
    public var kind: String
    /// The artifact's path in the output (`output.stdout`).
    public var path: String

    public init(kind: String, path: String) {
        self.kind = kind
        self.path = path
    }

    public var json: JSONValue { ["kind": .string(kind), "path": .string(path)] }
}

/// Scans a call's output for credentials: private keys, cloud and forge tokens, and
/// `password=`-style assignments. A hit flags the result (the content is still returned: the
/// caller asked for that file) and raises `security.sensitive_artifact_detected`, so an operator
/// sees which tools keep handing secrets to the model.
public struct SensitiveScanner: Sendable {
    /// (kind, regex). Patterns are kept as text: a compiled `Regex` is not `Sendable`.
    public static let patterns: [(kind: String, pattern: String)] = [
        ("private_key", #"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----"#),
        ("aws_access_key_id", #"\b(AKIA|ASIA)[0-9A-Z]{16}\b"#),
        ("aws_secret_access_key", #"(?i)aws_secret_access_key\s*[=:]"#),
        ("github_token", #"\bgh[pousr]_[A-Za-z0-9]{36,}\b"#),
        ("slack_token", #"\bxox[abprs]-[A-Za-z0-9-]{10,}"#),
        ("password_assignment", #"(?i)\b(password|passwd|secret|api[_-]?key|access[_-]?token)\s*[=:]\s*['"]?[^\s'"]{8,}"#),
    ]

    public init() {}

    /// One finding per (artifact, kind), in artifact order.
    public func scan(_ output: JSONValue) -> [SensitiveFinding] {
        let compiled = Self.patterns.compactMap { entry in (try? Regex(entry.pattern)).map { (entry.kind, $0) } }
        var findings: [SensitiveFinding] = []
        OutputCaps.walkStrings(output, path: "output") { text, path in
            for (kind, regex) in compiled where text.firstMatch(of: regex) != nil {
                findings.append(SensitiveFinding(kind: kind, path: path))
            }
        }
        return findings
    }
}
