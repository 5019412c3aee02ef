import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// Where the daemon keeps its data and listens. The defaults follow the XDG base directories for
/// a user and the FHS for root, so `jcs serve` needs no flags and `jcs` finds the same socket.
public struct DaemonConfiguration: Sendable {
    /// The journal's directory (created 0700).
    public var dataDirectory: String
    /// The Unix socket (created 0600; its directory 0700 when the daemon creates it).
    public var socketPath: String
    /// How long in-flight requests get to finish after SIGTERM/SIGINT before they are cancelled.
    public var shutdownGraceSeconds: Int
    /// The optional TCP listener with bearer tokens; nil (the default) means none.
    public var tcp: TCPListenerConfiguration?
    /// The budgets of what clients can make the daemon hold.
    public var limits: DaemonLimits
    /// Where raised alerts are pushed; none by default.
    public var alerts: AlertSinksConfiguration

    public init(
        dataDirectory: String? = nil, socketPath: String? = nil, shutdownGraceSeconds: Int = 10,
        tcp: TCPListenerConfiguration? = nil, limits: DaemonLimits = DaemonLimits(),
        alerts: AlertSinksConfiguration = AlertSinksConfiguration()
    ) {
        self.alerts = alerts
        self.dataDirectory = dataDirectory ?? Self.defaultDataDirectory()
        self.socketPath = socketPath ?? Self.defaultSocketPath()
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.tcp = tcp
        self.limits = limits
    }

    /// The configuration `jcs serve` runs with: a flag wins over the config file, which wins over
    /// the default.
    public init(dataDirectory: String?, socketPath: String?, file: ConfigFile) {
        self.init(
            dataDirectory: dataDirectory ?? file.dataDirectory, socketPath: socketPath ?? file.socketPath,
            shutdownGraceSeconds: file.shutdownGraceSeconds ?? 10, tcp: file.tcp, limits: file.limits ?? DaemonLimits(),
            alerts: file.alerts ?? AlertSinksConfiguration())
    }

    /// What `jcs serve --check-config` prints: the effective settings, with token names and
    /// scopes but never their digests.
    public var summary: JSONValue {
        var object: [String: JSONValue] = [
            "data_dir": .string(dataDirectory), "socket": .string(socketPath),
            "shutdown_grace_seconds": .int(Int64(shutdownGraceSeconds)), "limits": limits.summary,
            "alerts": alerts.summary,
        ]
        if let tcp {
            object["tcp"] = [
                "host": .string(tcp.host), "port": .int(Int64(tcp.port)),
                "idle_timeout_seconds": .int(Int64(tcp.idleTimeoutSeconds)),
                "max_connections": .int(Int64(tcp.maxConnections)),
                "max_connections_per_address": .int(Int64(tcp.maxConnectionsPerAddress)),
                "max_requests_per_token": .int(Int64(tcp.maxRequestsPerToken)),
                "tokens": .array(
                    tcp.tokens.tokens.map { token in
                        let projects: [String] = switch token.scope {
                        case .allProjects: ["*"]
                        case .projects(let ids): ids.sorted()
                        }
                        return [
                            "name": .string(token.name), "projects": .array(projects.map { .string($0) }),
                            "metrics": .bool(token.readsMetrics),
                        ]
                    }),
            ]
        }
        return .object(object)
    }

    /// `$XDG_STATE_HOME/jcs`; as root `/var/lib/jcs`; else `$HOME/.local/state/jcs`.
    public static func defaultDataDirectory() -> String {
        if let state = environment("XDG_STATE_HOME") { return state + "/jcs" }
        if getuid() == 0 { return "/var/lib/jcs" }
        return (environment("HOME") ?? "/tmp") + "/.local/state/jcs"
    }

    /// `$XDG_RUNTIME_DIR/jcs.sock`; as root `/run/jcs/jcs.sock`; else `/tmp/jcs-UID/jcs.sock`.
    /// Kept identical to the CLI's `DaemonSocket.defaultPath` (JCSCLI cannot import this module).
    public static func defaultSocketPath() -> String {
        if let runtime = environment("XDG_RUNTIME_DIR") { return runtime + "/jcs.sock" }
        if getuid() == 0 { return "/run/jcs/jcs.sock" }
        return "/tmp/jcs-\(getuid())/jcs.sock"
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
