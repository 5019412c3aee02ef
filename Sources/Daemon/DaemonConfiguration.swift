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

    public init(dataDirectory: String? = nil, socketPath: String? = nil, shutdownGraceSeconds: Int = 10) {
        self.dataDirectory = dataDirectory ?? Self.defaultDataDirectory()
        self.socketPath = socketPath ?? Self.defaultSocketPath()
        self.shutdownGraceSeconds = shutdownGraceSeconds
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
