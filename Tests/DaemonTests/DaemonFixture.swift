import Sandbox
import TestSupport

/// A temporary directory holding the daemon's data, socket and log plus a project root, the
/// running daemon, and `jcs` pointed at it. Every test talks to the daemon only through `jcs --json`.
final class DaemonFixture {
    let directory = TempDirectory(prefix: "jcs-daemon")
    let projectRoot: String
    let daemon: DaemonProcess

    init() throws {
        projectRoot = directory.file("project")
        _ = system2(["/bin/mkdir", "-p", projectRoot])
        daemon = try DaemonProcess(
            dataDirectory: directory.file("data"), socketPath: directory.file("jcs.sock"), logPath: directory.file("daemon.log"))
    }

    struct Answer {
        var status: Int32
        var json: JSONValue
        var stderr: String
    }

    /// Runs `jcs ARGS --json --socket S` and parses its stdout.
    func jcs(_ args: String...) -> Answer {
        let r = runProduct("jcs", args + ["--json", "--socket", daemon.socketPath])
        return Answer(status: r.status, json: (try? JSONParser.parse(r.out)) ?? .null, stderr: r.err)
    }

    /// The daemon's log lines, parsed.
    var logLines: [JSONValue] {
        (readTextFile(daemon.logPath) ?? "").split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }
}
