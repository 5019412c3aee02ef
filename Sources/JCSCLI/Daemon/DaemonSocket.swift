#if canImport(Glibc)
import Glibc
#endif

/// Where `jcs` looks for the daemon: `--socket`, else `$JCS_SOCKET`, else the daemon's default.
enum DaemonSocket {
    /// `$XDG_RUNTIME_DIR/jcs.sock`; as root `/run/jcs/jcs.sock`; else `/tmp/jcs-UID/jcs.sock`.
    /// Must match `DaemonConfiguration.defaultSocketPath` (a module `jcs` must not link).
    static var defaultPath: String {
        if let runtime = environment("XDG_RUNTIME_DIR") { return runtime + "/jcs.sock" }
        if getuid() == 0 { return "/run/jcs/jcs.sock" }
        return "/tmp/jcs-\(getuid())/jcs.sock"
    }

    static func resolve(_ flag: String?) -> String {
        flag ?? environment("JCS_SOCKET") ?? defaultPath
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
