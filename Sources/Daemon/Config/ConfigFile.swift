import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// `jcs serve --config FILE`: a JSON object whose keys mirror the flags, plus the TCP listener.
///
///     {
///       "data_dir": "/var/lib/jcs",
///       "socket": "/run/jcs/jcs.sock",
///       "shutdown_grace_seconds": 10,
///       "tcp": {
///         "listen": "127.0.0.1:7433",
///         "allow_non_loopback": false,
///         "idle_timeout_seconds": 30,
///         "max_connections": 1024, "max_connections_per_address": 64, "max_requests_per_token": 64,
///         "tokens": [
///           {"name": "ci", "sha256": "<64 hex digits>", "projects": ["app", "lib"]},
///           {"name": "ops", "token_file": "/etc/jcs/ops.token", "projects": ["*"]},
///           {"name": "prometheus", "token_file": "/etc/jcs/scrape.token", "projects": [], "metrics": true}
///         ]
///       },
///       "limits": {"max_followers": 256, "max_followers_per_project": 32, "max_mcp_sessions": 1024, …},
///       "alerts": {"sinks": [{"type": "webhook", "url": "https://…", "ca_file": "/etc/jcs/ca.pem"}]}
///     }
///
/// Unknown keys are errors (a misspelt key must not silently leave a default in force), and every
/// error names the key's path. A flag given on the command line wins over the file.
public struct ConfigFile: Sendable {
    public var dataDirectory: String?
    public var socketPath: String?
    public var shutdownGraceSeconds: Int?
    public var tcp: TCPListenerConfiguration?
    public var limits: DaemonLimits?
    /// Where alerts are pushed (`AlertSinksConfiguration`); nil: nowhere but `jcs alerts` and `/metrics`.
    public var alerts: AlertSinksConfiguration?

    public init(
        dataDirectory: String? = nil, socketPath: String? = nil, shutdownGraceSeconds: Int? = nil,
        tcp: TCPListenerConfiguration? = nil, limits: DaemonLimits? = nil, alerts: AlertSinksConfiguration? = nil
    ) {
        self.alerts = alerts
        self.dataDirectory = dataDirectory
        self.socketPath = socketPath
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.tcp = tcp
        self.limits = limits
    }

    /// Reads and checks `path`.
    public static func load(_ path: String) throws(ConfigError) -> ConfigFile {
        let bytes: [UInt8]
        do {
            bytes = try POSIX.readBytes(path, limit: maximumFileSize)
        } catch {
            throw ConfigError(file: path, field: nil, reason: "cannot read it: \(error)")
        }
        return try parse(bytes, file: path)
    }

    /// A config or token file is small; a bigger one is a wrong path.
    static let maximumFileSize = 1 << 20

    public static func parse(_ bytes: [UInt8], file: String) throws(ConfigError) -> ConfigFile {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw ConfigError(file: file, field: nil, reason: "not valid JSON: \(error)")
        }
        let reader = FieldReader(file: file)
        let top = try reader.object(root, at: "", keys: ["data_dir", "socket", "shutdown_grace_seconds", "tcp", "limits", "alerts"])
        var config = ConfigFile()
        config.dataDirectory = try top["data_dir"].map { v throws(ConfigError) in try reader.path(v, at: "data_dir") }
        config.socketPath = try top["socket"].map { v throws(ConfigError) in try reader.path(v, at: "socket") }
        config.shutdownGraceSeconds = try top["shutdown_grace_seconds"].map { v throws(ConfigError) in
            try reader.integer(v, at: "shutdown_grace_seconds", in: 1...600)
        }
        if let tcp = top["tcp"] { config.tcp = try parseTCP(tcp, reader: reader) }
        if let limits = top["limits"] { config.limits = try parseLimits(limits, reader: reader) }
        if let alerts = top["alerts"] { config.alerts = try parseAlerts(alerts, reader: reader) }
        return config
    }

    private static func parseLimits(_ value: JSONValue, reader: FieldReader) throws(ConfigError) -> DaemonLimits {
        let object = try reader.object(value, at: "limits", keys: Set(DaemonLimits.keys.map(\.key)))
        var limits = DaemonLimits()
        for entry in DaemonLimits.keys {
            guard let given = object[entry.key] else { continue }
            limits[keyPath: entry.path] = try reader.integer(given, at: "limits.\(entry.key)", in: entry.range)
        }
        if limits.maxFollowersPerProject > limits.maxFollowers {
            throw reader.error("limits.max_followers_per_project", "must not exceed limits.max_followers (\(limits.maxFollowers))")
        }
        if limits.maxMCPSessionsPerProject > limits.maxMCPSessions {
            throw reader.error("limits.max_mcp_sessions_per_project", "must not exceed limits.max_mcp_sessions (\(limits.maxMCPSessions))")
        }
        if limits.maxDetachedCallsPerProject > limits.maxDetachedCalls {
            throw reader.error("limits.max_detached_calls_per_project", "must not exceed limits.max_detached_calls (\(limits.maxDetachedCalls))")
        }
        return limits
    }

    private static func parseTCP(_ value: JSONValue, reader: FieldReader) throws(ConfigError) -> TCPListenerConfiguration {
        let tcp = try reader.object(value, at: "tcp", keys: [
                "listen", "allow_non_loopback", "tokens", "idle_timeout_seconds", "max_connections",
                "max_connections_per_address", "max_requests_per_token",
            ])
        guard let listen = tcp["listen"] else { throw reader.error("tcp.listen", "is required (HOST:PORT)") }
        let (host, port) = try hostAndPort(reader.string(listen, at: "tcp.listen"), reader: reader)
        let allowNonLoopback = try tcp["allow_non_loopback"].map { v throws(ConfigError) in
            try reader.bool(v, at: "tcp.allow_non_loopback")
        } ?? false
        if !allowNonLoopback && !TCPListenerConfiguration.isLoopback(host) {
            throw reader.error(
                "tcp.listen",
                "'\(host)' is not a loopback address; the listener is plain HTTP, so set tcp.allow_non_loopback to true only behind TLS or on a trusted network")
        }
        guard let list = tcp["tokens"]?.arrayValue, !list.isEmpty else {
            throw reader.error("tcp.tokens", "must be a non-empty array: the TCP listener accepts nothing without a token")
        }
        var tokens: [BearerToken] = []
        for (index, entry) in list.enumerated() {
            let token = try parseToken(entry, at: "tcp.tokens[\(index)]", reader: reader)
            if tokens.contains(where: { $0.name == token.name }) {
                throw reader.error("tcp.tokens[\(index)].name", "'\(token.name)' is used by another token")
            }
            if tokens.contains(where: { $0.digest == token.digest }) {
                throw reader.error("tcp.tokens[\(index)]", "has the same secret as another token")
            }
            tokens.append(token)
        }
        let idle = try tcp["idle_timeout_seconds"].map { v throws(ConfigError) in
            try reader.integer(v, at: "tcp.idle_timeout_seconds", in: 1...3600)
        } ?? TCPListenerConfiguration.defaultIdleTimeoutSeconds
        var listener = TCPListenerConfiguration(host: host, port: port, tokens: TokenTable(tokens), idleTimeoutSeconds: idle)
        if let given = tcp["max_connections"] {
            listener.maxConnections = try reader.integer(given, at: "tcp.max_connections", in: 1...1_000_000)
        }
        if let given = tcp["max_connections_per_address"] {
            listener.maxConnectionsPerAddress = try reader.integer(given, at: "tcp.max_connections_per_address", in: 1...1_000_000)
        }
        if let given = tcp["max_requests_per_token"] {
            listener.maxRequestsPerToken = try reader.integer(given, at: "tcp.max_requests_per_token", in: 1...1_000_000)
        }
        if listener.maxConnectionsPerAddress > listener.maxConnections {
            throw reader.error("tcp.max_connections_per_address", "must not exceed tcp.max_connections (\(listener.maxConnections))")
        }
        return listener
    }

    private static func parseToken(_ value: JSONValue, at path: String, reader: FieldReader) throws(ConfigError) -> BearerToken {
        let entry = try reader.object(value, at: path, keys: ["name", "sha256", "token_file", "projects", "metrics"])
        guard let nameValue = entry["name"] else { throw reader.error("\(path).name", "is required") }
        let name = try reader.string(nameValue, at: "\(path).name")
        let digest: [UInt8]
        switch (entry["sha256"], entry["token_file"]) {
        case (let hex?, nil):
            guard let bytes = Self.hexBytes(try reader.string(hex, at: "\(path).sha256")), bytes.count == 32 else {
                throw reader.error("\(path).sha256", "must be 64 hexadecimal digits (sha256sum of the secret)")
            }
            digest = bytes
        case (nil, let file?):
            digest = SHA256.digest(try readTokenFile(reader.path(file, at: "\(path).token_file"), at: "\(path).token_file", reader: reader))
        case (nil, nil): throw reader.error(path, "needs one of 'sha256' or 'token_file'")
        case (_?, _?): throw reader.error(path, "has both 'sha256' and 'token_file'; give one")
        }
        let metrics = try entry["metrics"].map { v throws(ConfigError) in try reader.bool(v, at: "\(path).metrics") } ?? false
        guard let projectsValue = entry["projects"] else {
            throw reader.error("\(path).projects", "is required: the project ids this token may touch, or [\"*\"] for all")
        }
        // An empty list is a scrape-only token; anything else must name what it reaches.
        guard let items = projectsValue.arrayValue, !items.isEmpty || metrics else {
            throw reader.error(
                "\(path).projects", "must be a non-empty array of project ids (or [] with \"metrics\": true for a scrape-only token)")
        }
        var projects: Set<String> = []
        for (index, item) in items.enumerated() {
            let id = try reader.string(item, at: "\(path).projects[\(index)]")
            guard !id.isEmpty else { throw reader.error("\(path).projects[\(index)]", "must not be empty") }
            projects.insert(id)
        }
        if projects.contains("*") && projects.count > 1 {
            throw reader.error("\(path).projects", "\"*\" already means every project; list it alone")
        }
        return BearerToken(
            name: name, digest: digest, scope: projects == ["*"] ? .allProjects : .projects(projects), readsMetrics: metrics)
    }

    /// The secret in a token file: its first line. The file must be private to its owner, like
    /// an SSH key: a token readable by others is a token anyone on the host can use.
    static func readTokenFile(_ path: String, at field: String, reader: FieldReader) throws(ConfigError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw reader.error(field, "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        let bytes: [UInt8]
        do {
            bytes = try POSIX.readBytes(path, limit: maximumFileSize)
        } catch {
            throw reader.error(field, "cannot read it: \(error)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw reader.error(field, "'\(path)' is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        let secret = Array(bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") })
        guard secret.count >= 16 else {
            throw reader.error(field, "the token in '\(path)' is shorter than 16 bytes; use e.g. `openssl rand -hex 32`")
        }
        return secret
    }

    private static func hostAndPort(_ text: String, reader: FieldReader) throws(ConfigError) -> (String, Int) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw reader.error("tcp.listen", "'\(text)' is not [IPV6]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw reader.error("tcp.listen", "'\(text)' is not HOST:PORT (write an IPv6 address as [ADDRESS]:PORT)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw reader.error("tcp.listen", "'\(text)' has no host") }
        // Port 0 asks the kernel for a free port; the daemon logs the one it got
        // (`daemon.listening_tcp`), which is how tests avoid racing for a fixed port.
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw reader.error("tcp.listen", "'\(portText)' is not a port (0-65535)")
        }
        return (String(host), port)
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[pair..<pair + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

/// A config file the daemon refuses: which file, which key (as a path such as
/// `tcp.tokens[1].projects`), and why.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var field: String?
    public var reason: String

    public var description: String {
        "config '\(file)': " + (field.map { "\($0): " } ?? "") + reason
    }
}

/// Typed reads of the config's JSON that fail with the key's path.
struct FieldReader {
    let file: String

    func error(_ field: String, _ reason: String) -> ConfigError {
        ConfigError(file: file, field: field.isEmpty ? nil : field, reason: reason)
    }

    func object(_ value: JSONValue, at path: String, keys: Set<String>) throws(ConfigError) -> [String: JSONValue] {
        guard let object = value.objectValue else { throw error(path, "must be an object") }
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            let field = path.isEmpty ? unknown : "\(path).\(unknown)"
            throw error(field, "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))")
        }
        return object
    }

    func string(_ value: JSONValue, at path: String) throws(ConfigError) -> String {
        guard let text = value.stringValue else { throw error(path, "must be a string") }
        return text
    }

    func path(_ value: JSONValue, at path: String) throws(ConfigError) -> String {
        let text = try string(value, at: path)
        guard text.hasPrefix("/") else { throw error(path, "must be an absolute path, not '\(text)'") }
        return text
    }

    func bool(_ value: JSONValue, at path: String) throws(ConfigError) -> Bool {
        guard let flag = value.boolValue else { throw error(path, "must be true or false") }
        return flag
    }

    func integer(_ value: JSONValue, at path: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let number = value.intValue, range.contains(number) else {
            throw error(path, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}
