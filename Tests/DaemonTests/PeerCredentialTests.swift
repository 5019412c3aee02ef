#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// SO_PEERCRED: a caller with another uid is refused with a structured error and a logged denial,
/// even when the socket's mode would let it connect. Needs root (to run `jcs` as nobody through
/// util-linux's setpriv).
@Suite(.enabled(if: getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0, "needs root and /usr/bin/setpriv"))
struct PeerCredentialTests {
    @Test func aCallerWithAnotherUidIsRefusedAndTheRefusalIsLogged() throws {
        let fixture = try DaemonFixture()
        // Loosen the file modes on purpose, so only the peer-credential check stands in the way.
        chmod(fixture.directory.path, 0o755)
        chmod(fixture.daemon.socketPath, 0o666)
        let output = fixture.directory.file("nobody.out")
        let status = Self.spawnAndWait(
            [
                "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BuiltProducts.path("jcs"),
                "project", "list", "--json", "--socket", fixture.daemon.socketPath,
            ], stdout: output)
        #expect(status == 1)
        #expect((try? JSONParser.parse(readTextFile(output) ?? ""))?["error"]?.stringValue == "peer_refused")
        #expect(fixture.logLines.contains { $0["event"]?.stringValue == "daemon.peer_refused" && $0["peer_uid"]?.stringValue == "65534" })
        #expect(fixture.jcs("project", "list").status == 0)
    }

    /// posix_spawn + waitpid with stdout to `stdout`; the exit status, -1 if the spawn failed.
    private static func spawnAndWait(_ argv: [String], stdout: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cargs, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
