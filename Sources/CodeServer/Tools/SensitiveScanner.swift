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
    /// (kind, regex), without capture groups: each compiles to a `Regex<Substring>`.
    public static let patterns: [(kind: String, pattern: String)] = [
        ("private_key", #"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"#),
        ("aws_access_key_id", #"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"#),
        ("aws_secret_access_key", #"(?i)aws_secret_access_key\s*[=:]"#),
        ("github_token", #"\bgh[pousr]_[A-Za-z0-9]{36,}\b"#),
        ("slack_token", #"\bxox[abprs]-[A-Za-z0-9-]{10,}"#),
        ("password_assignment", #"(?i)\b(?:password|passwd|secret|api[_-]?key|access[_-]?token)\s*[=:]\s*['"]?[^\s'"]{8,}"#),
    ]

    /// Compiled once per process: compiling the six patterns on every call cost more than the
    /// rest of the scan (profiled on the daemon's tool-call path).
    ///
    /// `nonisolated(unsafe)` because `Regex` is not declared `Sendable`. Sharing is safe: the
    /// array is immutable once this initializer (run once, under the runtime's once-lock) returns,
    /// and each regex is matched once here, so the program the standard library lowers lazily
    /// (and publishes atomically) exists before any concurrent use; matching only reads it.
    nonisolated(unsafe) private static let compiled: [(kind: String, regex: Regex<Substring>)] = patterns.map { entry in
        // The patterns are literals of this file, covered by its tests: a failure is a bug here.
        let regex = try! Regex(entry.pattern, as: Substring.self)
        _ = "".firstMatch(of: regex)
        return (entry.kind, regex)
    }

    public init() {}

    /// One finding per (artifact, kind), in artifact order.
    public func scan(_ output: JSONValue) -> [SensitiveFinding] {
        var findings: [SensitiveFinding] = []
        OutputCaps.walkStrings(output, path: "output") { text, path in
            for (kind, regex) in Self.compiled where text.firstMatch(of: regex) != nil {
                findings.append(SensitiveFinding(kind: kind, path: path))
            }
        }
        return findings
    }
}
