import CodeServer
import NIOSSL
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// The `alerts` section of `jcs serve --config`: where the daemon pushes the alerts its engine
/// raises, besides `jcs alerts` and `/metrics`.
///
///     "alerts": {
///       "queue_capacity": 256,
///       "retry": {"attempts": 4, "initial_backoff_ms": 250, "max_backoff_ms": 5000},
///       "sinks": [
///         {"type": "log"},                                          // the daemon's stderr
///         {"type": "log", "path": "/var/log/jcs/alerts.jsonl"},      // or a file, one JSON line each
///         {"type": "command", "argv": ["/usr/local/bin/page-oncall"], "timeout_ms": 10000},
///         {"type": "webhook", "url": "https://events.pagerduty.com/…", "ca_file": "/etc/jcs/ca.pem",
///          "token_file": "/etc/jcs/webhook.token", "headers": {"X-Team": "ops"}, "timeout_ms": 5000}
///       ]
///     }
///
/// Each sink gets its own dispatcher thread with a bounded queue (`queue_capacity`; a full queue
/// drops and counts) and the retry policy, so a slow pager never holds the daemon.
public struct AlertSinksConfiguration: Sendable {
    public enum Sink: Sendable {
        /// One JSON line per alert on the daemon's stderr (nil) or appended to a file.
        case log(path: String?)
        case command(argv: [String], timeoutMs: Int64)
        /// `token_file`'s secret becomes `Authorization: Bearer …`; `caCertificates` are trusted
        /// besides the system's roots.
        case webhook(url: String, headers: [(String, String)], caFile: String?, caCertificates: [NIOSSLCertificate], timeoutMs: Int64)
    }

    public var sinks: [Sink] = []
    public var queueCapacity = 256
    public var retry = AlertDispatcher.RetryPolicy()

    public init() {}

    /// For `--check-config`: every sink, never a header's value or a token.
    public var summary: JSONValue {
        .object([
            "queue_capacity": .int(Int64(queueCapacity)),
            "retry": [
                "attempts": .int(Int64(retry.attempts)), "initial_backoff_ms": .int(retry.initialBackoffMs),
                "max_backoff_ms": .int(retry.maximumBackoffMs),
            ],
            "sinks": .array(sinks.map { (sink: Sink) -> JSONValue in
                switch sink {
                case .log(let path): ["type": "log", "path": path.map(JSONValue.string) ?? "stderr"]
                case .command(let argv, let timeoutMs):
                    ["type": "command", "argv": .array(argv.map(JSONValue.string)), "timeout_ms": .int(timeoutMs)]
                case .webhook(let url, let headers, let caFile, _, let timeoutMs):
                    [
                        "type": "webhook", "url": .string(url), "ca_file": caFile.map(JSONValue.string) ?? .null,
                        "header_names": .array(headers.map { .string($0.0) }), "timeout_ms": .int(timeoutMs),
                    ]
                }
            }),
        ])
    }
}

extension ConfigFile {
    static func parseAlerts(_ value: JSONValue, reader: FieldReader) throws(ConfigError) -> AlertSinksConfiguration {
        let section = try reader.object(value, at: "alerts", keys: ["sinks", "queue_capacity", "retry"])
        var alerts = AlertSinksConfiguration()
        if let given = section["queue_capacity"] {
            alerts.queueCapacity = try reader.integer(given, at: "alerts.queue_capacity", in: 1...100_000)
        }
        if let given = section["retry"] {
            let retry = try reader.object(given, at: "alerts.retry", keys: ["attempts", "initial_backoff_ms", "max_backoff_ms"])
            var policy = AlertDispatcher.RetryPolicy()
            if let v = retry["attempts"] { policy.attempts = try reader.integer(v, at: "alerts.retry.attempts", in: 1...20) }
            if let v = retry["initial_backoff_ms"] {
                policy.initialBackoffMs = Int64(try reader.integer(v, at: "alerts.retry.initial_backoff_ms", in: 1...600_000))
            }
            if let v = retry["max_backoff_ms"] {
                policy.maximumBackoffMs = Int64(try reader.integer(v, at: "alerts.retry.max_backoff_ms", in: 1...3_600_000))
            }
            if policy.maximumBackoffMs < policy.initialBackoffMs {
                throw reader.error("alerts.retry.max_backoff_ms", "must not be below alerts.retry.initial_backoff_ms (\(policy.initialBackoffMs))")
            }
            alerts.retry = policy
        }
        guard let list = section["sinks"] else {
            throw reader.error("alerts.sinks", "is required: a list of sinks (log, command, webhook)")
        }
        guard let entries = list.arrayValue else { throw reader.error("alerts.sinks", "must be an array") }
        for (index, entry) in entries.enumerated() {
            alerts.sinks.append(try parseSink(entry, at: "alerts.sinks[\(index)]", reader: reader))
        }
        return alerts
    }

    private static func parseSink(_ value: JSONValue, at path: String, reader: FieldReader) throws(ConfigError) -> AlertSinksConfiguration.Sink {
        guard let type = value["type"]?.stringValue else {
            throw reader.error("\(path).type", "is required: one of log, command, webhook")
        }
        switch type {
        case "log":
            let entry = try reader.object(value, at: path, keys: ["type", "path"])
            return .log(path: try entry["path"].map { v throws(ConfigError) in try reader.path(v, at: "\(path).path") })
        case "command":
            let entry = try reader.object(value, at: path, keys: ["type", "argv", "timeout_ms"])
            guard let items = entry["argv"]?.arrayValue, !items.isEmpty else {
                throw reader.error("\(path).argv", "is required: a non-empty array, the program's absolute path first")
            }
            var argv: [String] = []
            for (index, item) in items.enumerated() { argv.append(try reader.string(item, at: "\(path).argv[\(index)]")) }
            guard argv[0].hasPrefix("/") else {
                throw reader.error("\(path).argv[0]", "must be an absolute path (no PATH search), not '\(argv[0])'")
            }
            var info = stat()
            guard stat(argv[0], &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(argv[0], X_OK) == 0 else {
                throw reader.error("\(path).argv[0]", "'\(argv[0])' is not an executable file")
            }
            let timeout = try entry["timeout_ms"].map { v throws(ConfigError) in
                try reader.integer(v, at: "\(path).timeout_ms", in: 100...600_000)
            } ?? 10_000
            return .command(argv: argv, timeoutMs: Int64(timeout))
        case "webhook":
            let entry = try reader.object(value, at: path, keys: ["type", "url", "ca_file", "token_file", "headers", "timeout_ms"])
            guard let urlValue = entry["url"] else { throw reader.error("\(path).url", "is required (https://…)") }
            let url = try reader.string(urlValue, at: "\(path).url")
            if let reason = OutboundHTTPClient.refusal(of: url) { throw reader.error("\(path).url", "'\(url)': \(reason)") }
            var headers: [(String, String)] = []
            if let given = entry["headers"] {
                guard let object = given.objectValue else { throw reader.error("\(path).headers", "must be an object of header names to values") }
                for name in object.keys.sorted() {
                    let value = try reader.string(object[name]!, at: "\(path).headers.\(name)")
                    guard Self.isToken(name), !name.isEmpty else {
                        throw reader.error("\(path).headers.\(name)", "is not a valid header name")
                    }
                    guard !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                        throw reader.error("\(path).headers.\(name)", "must not contain a line break")
                    }
                    headers.append((name, value))
                }
            }
            if let file = entry["token_file"] {
                let secret = try readTokenFile(reader.path(file, at: "\(path).token_file"), at: "\(path).token_file", reader: reader)
                guard let text = String(validating: secret, as: UTF8.self), !text.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                    throw reader.error("\(path).token_file", "the token is not one line of UTF-8 text")
                }
                if headers.contains(where: { $0.0.lowercased() == "authorization" }) {
                    throw reader.error("\(path).token_file", "headers already set Authorization; give one of them")
                }
                headers.append(("Authorization", "Bearer " + text))
            }
            var caFile: String?
            var certificates: [NIOSSLCertificate] = []
            if let given = entry["ca_file"] {
                let file = try reader.path(given, at: "\(path).ca_file")
                do {
                    certificates = try OutboundHTTPClient.loadCAFile(file)
                } catch {
                    throw reader.error("\(path).ca_file", error.description)
                }
                caFile = file
            }
            let timeout = try entry["timeout_ms"].map { v throws(ConfigError) in
                try reader.integer(v, at: "\(path).timeout_ms", in: 100...120_000)
            } ?? 5_000
            return .webhook(url: url, headers: headers, caFile: caFile, caCertificates: certificates, timeoutMs: Int64(timeout))
        default:
            throw reader.error("\(path).type", "'\(type)' is not a sink type (expected one of: command, log, webhook)")
        }
    }

    /// RFC 9110 token characters.
    private static func isToken(_ name: String) -> Bool {
        name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
