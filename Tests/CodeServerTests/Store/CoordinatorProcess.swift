#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport

/// A running `jcs-coordinator` with pipes on its stdin and stdout, for the crash test. It owns the
/// pid and the two fds: `kill()` SIGKILLs and reaps it, and deinit does so if the test did not.
final class CoordinatorProcess {
    private(set) var pid: pid_t
    private let input: Int32
    private let output: Int32
    private var buffered: [UInt8] = []

    init(dataDirectory: String) throws {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        // Glibc's module does not export pipe2; close-on-exec is set right after, and the test
        // never relies on EOF (it kills), so a racing spawn elsewhere inheriting an end is harmless.
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw SpawnFailure(errno: errno) }
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        let argv = [BuiltProducts.path("jcs-coordinator"), "--stdio", "--data-dir", dataDirectory]
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, argv[0], &actions, nil, cargs, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw SpawnFailure(errno: rc)
        }
        pid = child
        input = toChild[1]
        output = fromChild[0]
    }

    struct SpawnFailure: Error {
        var errno: Int32
    }

    /// Sends one command line.
    func send(_ command: JSONValue) {
        let bytes = Array((JSONWriter.text(command) + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            precondition(n > 0, "the coordinator's stdin is closed: \(errno)")
            offset += n
        }
    }

    /// The next answer line, parsed; nil at end of output or when none came within `timeoutMs`.
    func nextLine(timeoutMs: Int32 = 60_000) -> JSONValue? {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffered[..<newline])
                buffered.removeSubrange(...newline)
                return try? JSONParser.parse(line)
            }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, timeoutMs)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(output, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffered.append(contentsOf: chunk[..<n])
        }
    }

    /// SIGKILL, then reap: no chance to flush, close the journal or say goodbye.
    func kill() {
        guard pid > 0 else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        pid = 0
    }

    deinit {
        kill()
        close(input)
        close(output)
    }
}
