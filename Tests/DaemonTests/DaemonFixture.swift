import Sandbox
import TestSupport

/// A temporary directory holding the daemon's data, socket and log plus a project root, the
/// running daemon, and `jcs` pointed at it. Every test talks to the daemon only through `jcs --json`.
final class DaemonFixture {
    let directory = TempDirectory(prefix: "jcs-daemon")
    let projectRoot: String
    let daemon: DaemonProcess

    /// `config`, when given, is written to `config.json` in the directory (with `DIR` in its
    /// strings replaced by the directory's path) and passed as `serve --config`.
    /// `launcher` execs the daemon (`DaemonProcess.launcher`).
    init(config: JSONValue? = nil, launcher: [String] = [], prepare: (TempDirectory) -> Void = { _ in }) throws {
        projectRoot = directory.file("project")
        _ = system2(["/bin/mkdir", "-p", projectRoot])
        prepare(directory)
        var extra: [String] = []
        if let config {
            directory.write("config.json", JSONWriter.text(config).replacing("DIR", with: directory.path))
            extra = ["--config", directory.file("config.json")]
        }
        daemon = try DaemonProcess(
            dataDirectory: directory.file("data"), socketPath: directory.file("jcs.sock"), logPath: directory.file("daemon.log"),
            extraArguments: extra, launcher: launcher)
    }

    /// The port the TCP listener bound (from its `daemon.listening_tcp` log line), for a config
    /// that asked for port 0.
    func tcpPort() throws -> Int {
        let line = logLines.first { $0["event"]?.stringValue == "daemon.listening_tcp" }
        guard let address = line?["address"]?.stringValue, let port = address.split(separator: ":").last.flatMap({ Int($0.filter(\.isNumber)) })
        else { throw DaemonProcess.Failure(description: "no daemon.listening_tcp line in the log") }
        return port
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
