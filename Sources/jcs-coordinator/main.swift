// jcs-coordinator serve [--data-dir DIR] [--socket PATH] [--config FILE] [--check-config]
//     the daemon: HTTP+JSON on a Unix socket and optionally TCP (see docs/api.md); what
//     `jcs serve` execs. --check-config prints the effective settings as JSON and exits.
// jcs-coordinator --stdio --data-dir DIR
//     the JSON-lines mode the crash test drives (StdioMode.swift).
import Daemon
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: jcs-coordinator serve [--data-dir DIR] [--socket PATH] [--config FILE] [--check-config]
           jcs-coordinator --stdio --data-dir DIR
    """

var arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "serve":
    arguments.removeFirst()
    var dataDirectory: String?
    var socketPath: String?
    var configPath: String?
    var checkOnly = false
    while let flag = arguments.first {
        arguments.removeFirst()
        if flag == "--check-config" {
            checkOnly = true
            continue
        }
        guard let value = arguments.first else { fail("\(flag) needs a value\n\(usage)") }
        arguments.removeFirst()
        switch flag {
        case "--data-dir": dataDirectory = value
        case "--socket": socketPath = value
        case "--config": configPath = value
        default: fail("unknown option '\(flag)'\n\(usage)")
        }
    }
    let file: ConfigFile
    do {
        file = try configPath.map { path throws(ConfigError) in try ConfigFile.load(path) } ?? ConfigFile()
    } catch {
        // EX_CONFIG: the service manager sees a configuration error, not a crash.
        writeAll(2, "\(programName): \(error)\n")
        exit(78)
    }
    let configuration = DaemonConfiguration(dataDirectory: dataDirectory, socketPath: socketPath, file: file)
    if checkOnly {
        answer(configuration.summary)
        exit(0)
    }
    do {
        try await Daemon.run(configuration)
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
