import Sandbox

/// The coordinator runtime (projects, conversations, the one execution gate) builds on the
/// sandbox worker; see DESIGN.md. Its engine lands with the coordinator issue.
public enum CodeServer {
    /// The version reported by `jcs --version` and the daemon.
    public static let version = "0.1.0"
}
