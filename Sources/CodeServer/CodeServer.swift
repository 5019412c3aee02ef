import Sandbox

/// The coordinator runtime: the engine and its projects (`Engine/`, `Project/`), conversations,
/// the one execution gate into sandboxed workers (`Tools/`), policy, options and events.
public enum CodeServer {
    /// The version reported by `jcs --version` and the daemon.
    public static let version = "0.1.0"
}
