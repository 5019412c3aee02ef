// jcs-coordinator serve [--data-dir DIR] [--socket PATH]
//     the daemon: HTTP+JSON on a Unix socket (see docs/api.md); what `jcs serve` execs.
// jcs-coordinator --stdio --data-dir DIR
//     the JSON-lines mode the crash test drives (StdioMode.swift).
import Daemon

let usage = """
    usage: jcs-coordinator serve [--data-dir DIR] [--socket PATH]
           jcs-coordinator --stdio --data-dir DIR
    """

var arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "serve":
    arguments.removeFirst()
    var dataDirectory: String?
    var socketPath: String?
    while let flag = arguments.first {
        arguments.removeFirst()
        guard let value = arguments.first else { fail("\(flag) needs a value\n\(usage)") }
        arguments.removeFirst()
        switch flag {
        case "--data-dir": dataDirectory = value
        case "--socket": socketPath = value
        default: fail("unknown option '\(flag)'\n\(usage)")
        }
    }
    do {
        try await Daemon.run(DaemonConfiguration(dataDirectory: dataDirectory, socketPath: socketPath))
    } catch {
        fail("\(error)")
    }
case "--stdio":
    guard arguments.count == 3, arguments[1] == "--data-dir" else { fail(usage) }
    await runStdio(dataDirectory: arguments[2])
case "--data-dir":
    // The form from before the daemon existed, which scripts/bench still uses: stdio mode.
    guard arguments.count == 2 else { fail(usage) }
    await runStdio(dataDirectory: arguments[1])
default:
    fail(usage)
}
