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

            EXAMPLE
              jcs serve --data-dir /tmp/jcs-data --socket /tmp/jcs.sock &
            """
    )

    @Option(name: .long, help: "Where the journal lives.")
    var dataDir: String?

    @Option(name: .long, help: "The Unix socket to listen on.")
    var socket: String?

    func run() throws {
        let daemon = Self.executableDirectory() + "/jcs-coordinator"
        var argv = [daemon, "serve"]
        if let dataDir { argv += ["--data-dir", dataDir] }
        if let socket { argv += ["--socket", socket] }
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
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
