import Sandbox
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `Tests/LLMServer/fake_openai.py`, a local OpenAI-compatible endpoint, running for one test:
/// its port, and the requests and disconnects it logged. Killed (by its pid) when released.
final class FakeModelServer {
    static let script = Probe.repositoryRoot + "/Tests/LLMServer/fake_openai.py"
    static let wireCheck = Probe.repositoryRoot + "/Tests/LLMServer/check_wire.py"
    /// The venv `scripts/setup` fills with the official `openai` library.
    static let python: String =
        DaemonSocketEnvironment.value("JCS_LLM_PYTHON") ?? Probe.repositoryRoot + "/.build-venv/llm/bin/python"

    let directory = TempDirectory(prefix: "jcs-fake-llm")
    let pid: pid_t
    let port: Int

    init() throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory.file("port"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, directory.file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ["/usr/bin/python3", Self.script, "--log", directory.file("requests.jsonl")]
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, argv[0], &actions, nil, cargs, environ) == 0 else {
            throw DaemonProcess.Failure(description: "cannot start the fake model server")
        }
        pid = child
        var found: Int?
        for _ in 0..<200 {
            if let text = directory.read("port"), let value = Int(text.filter(\.isNumber)), text.hasSuffix("\n") {
                found = value
                break
            }
            usleep(50_000)
        }
        guard let found else {
            kill(child, SIGKILL)
            throw DaemonProcess.Failure(description: "the fake model server printed no port: \(directory.read("stderr") ?? "")")
        }
        port = found
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Every logged record, oldest first.
    var records: [JSONValue] {
        (directory.read("requests.jsonl") ?? "").split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    func requests(_ scenario: String) -> [JSONValue] {
        records.filter { $0["event"]?.stringValue == "request" && $0["scenario"]?.stringValue == scenario }
    }

    /// Waits up to `seconds` for a record `event`.
    func waitFor(_ event: String, seconds: Double) -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if records.contains(where: { $0["event"]?.stringValue == event }) { return true }
            usleep(50_000)
        }
        return false
    }
}
