import ArgumentParser

/// The exit statuses of the verbs that talk to the daemon (usage errors exit 64, as every `jcs`
/// command's do).
enum DaemonExit {
    /// The daemon answered with an error (`{"error": CODE, …}`).
    static let refused = ExitCode(1)
    /// No answer: no daemon on the socket, or the connection broke.
    static let unreachable = ExitCode(3)
}
