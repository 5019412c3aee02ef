import ArgumentParser

/// The flags every daemon verb shares: where the daemon is, and JSON output.
struct DaemonOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's socket (default: $JCS_SOCKET, else the daemon's default path).")
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's answer as JSON (errors too, as {\"error\", \"field\", \"message\"}).")
    var json = false

    var client: DaemonClient { DaemonClient(socketPath: DaemonSocket.resolve(socket)) }
}
