// jcs-coordinator serve [--data-dir DIR] [--socket PATH] [--config FILE] [--check-config]
//     the daemon: HTTP+JSON on a Unix socket and optionally TCP (see docs/api.md); what
//     `jcs serve` execs. --check-config prints the effective settings as JSON and exits.
import Daemon
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

// Before any use: top-level globals of main.swift are set in order, as the code reaches them.
/// `jcs` when `jcs serve` started us (it passes that as argv[0]), else `jcs-coordinator`: errors
/// name the command the user typed.
let programName = CommandLine.arguments.first == "jcs" ? "jcs" : "jcs-coordinator"

let usage = """
    usage: jcs-coordinator serve [--data-dir DIR] [--socket PATH] [--config FILE] [--check-config]
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
default:
    fail(usage)
}

/// Writes all of `text` to `fd` with write(2), unbuffered.
func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        bytes = bytes.dropFirst(n)
    }
}

func answer(_ value: JSONValue) { writeAll(1, JSONWriter.text(value) + "\n") }

func fail(_ message: String) -> Never {
    writeAll(2, "\(programName): \(message)\n")
    exit(1)
}

