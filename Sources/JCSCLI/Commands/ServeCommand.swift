import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `jcs serve`: execs `jcs-coordinator serve` from the directory `jcs` lives in. The daemon is
/// its own executable so that `jcs` itself links neither NIO nor the coordinator runtime.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the coordinator daemon (HTTP+JSON on a Unix socket).",
        discussion: """
            Restores the projects registered in the data directory, then listens on the socket (created \
            0600; only this uid and root are served, checked with SO_PEERCRED). Logs are JSON lines on \
            stderr. SIGTERM or SIGINT stops it gracefully: it stops accepting, gives in-flight requests \
            10 seconds, stops the projects (cancelling running tools) and removes the socket.

            Defaults: data in $XDG_STATE_HOME/jcs (root: /var/lib/jcs; others: ~/.local/state/jcs); \
            socket $XDG_RUNTIME_DIR/jcs.sock (root: /run/jcs/jcs.sock; others: /tmp/jcs-UID/jcs.sock). \
            The API is described in docs/api.md.

            --config FILE reads a JSON object with the keys data_dir, socket, shutdown_grace_seconds \
            and tcp; a flag wins over the file. The tcp section turns on a TCP listener (off by \
            default) that serves the same API to bearer tokens, each scoped to the projects it may \
            touch ("*" for all; host-wide routes need "*"); every refusal is a 401/403 JSON error and \
            a logged daemon.tcp_denied line. It binds only loopback addresses unless \
            allow_non_loopback is true (the listener is plain HTTP). Tokens are given as the sha256 \
            of the secret or as a token_file readable by its owner only. Unknown keys are errors. \
            --check-config prints the effective settings (token names and scopes, never secrets) as \
            JSON and exits; a bad file exits 78 naming the key and the reason. See docs/operations.md.

            EXIT STATUS
              0      stopped gracefully
              1      could not start (socket in use, journal unreadable, …)
              78     the config file is invalid

            EXAMPLES
              jcs serve --data-dir ~/.local/share/jcs --socket ~/.jcs/jcs.sock &
              jcs serve --config /etc/jcs/config.json --check-config
            """
    )

    @Option(name: .long, help: "Where the journal lives.")
    var dataDir: String?

    @Option(name: .long, help: "The Unix socket to listen on.")
    var socket: String?

    @Option(name: .long, help: "A JSON config file (data_dir, socket, shutdown_grace_seconds, tcp).")
    var config: String?

    @Flag(name: .long, help: "Check the config, print the effective settings as JSON, and exit.")
    var checkConfig = false

    func run() throws {
        let daemon = Self.executableDirectory() + "/jcs-coordinator"
        var argv = [daemon, "serve"]
        if let dataDir { argv += ["--data-dir", dataDir] }
        if let socket { argv += ["--socket", socket] }
        if let config { argv += ["--config", config] }
        if checkConfig { argv += ["--check-config"] }
        // argv[0] `jcs`: the daemon then prefixes its errors `jcs:`, as the command the user typed.
        let cargs: [UnsafeMutablePointer<CChar>?] = (["jcs"] + argv.dropFirst()).map { strdup($0) } + [nil]
        execv(daemon, cargs)
        printError("jcs: cannot run '\(daemon)': \(ErrnoText.describe(errno))")
        throw ExitCode(1)
    }

    /// The directory of the running `jcs` (from /proc/self/exe), where the build and an install
    /// put `jcs-coordinator` too.
    static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = String(decoding: buffer[0..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }
}
