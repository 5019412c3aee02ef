#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 11, finding 2: a socket directory someone else created first (the default for a user
/// daemon is `/tmp/jcs-UID/`) let them swap the socket, read the CLI's requests and forge
/// answers. The daemon now refuses such a directory, and `jcs` refuses to talk to a server that
/// runs as neither its own uid nor root. Real directories with real owners, a real squatter
/// process running as another uid.
@Suite
struct SocketSquattingTests {
    static let nobody: uid_t = 65534

    /// Runs `jcs-coordinator serve` on `socket` (bounded by `timeout`, so a daemon that wrongly
    /// starts fails the test instead of hanging it); its exit status and stderr.
    static func serve(socket: String, in directory: TempDirectory) -> (status: Int32, stderr: String) {
        let err = directory.file("serve.err")
        let command = "exec timeout -s KILL 20 '\(BuiltProducts.path("jcs-coordinator"))' serve --data-dir '\(directory.file("data"))' --socket '\(socket)' 2>'\(err)' </dev/null >/dev/null"
        let status = system2(["/bin/sh", "-c", command])
        return (status, readTextFile(err) ?? "")
    }

    @Test func aSocketDirectoryOwnedByAnotherUserIsRefused() throws {
        guard getuid() == 0 else {
            Issue.record("this test needs root to create a directory owned by uid \(Self.nobody); it ran as uid \(getuid())")
            return
        }
        let directory = TempDirectory(prefix: "jcs-squat")
        let squatted = directory.file("jcs-1000")
        #expect(mkdir(squatted, 0o777) == 0 && chmod(squatted, 0o777) == 0 && chown(squatted, Self.nobody, Self.nobody) == 0)
        let refused = Self.serve(socket: squatted + "/jcs.sock", in: directory)
        #expect(refused.status == 1, "the daemon must refuse and exit: \(refused.status) \(refused.stderr)")
        #expect(refused.stderr.contains("'\(squatted)'"), "the error names the directory: \(refused.stderr)")
        #expect(refused.stderr.contains("owned by uid \(Self.nobody)"), "and the rule it broke: \(refused.stderr)")
        #expect(access(squatted + "/jcs.sock", F_OK) != 0, "no socket was created in the squatted directory")
    }

    @Test func aSocketDirectoryWithGroupOrOtherAccessIsRefused() throws {
        let directory = TempDirectory(prefix: "jcs-squat")
        let open = directory.file("open")
        #expect(mkdir(open, 0o755) == 0 && chmod(open, 0o755) == 0)
        let refused = Self.serve(socket: open + "/jcs.sock", in: directory)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("'\(open)'") && refused.stderr.contains("mode is 755"), "\(refused.stderr)")
        #expect(refused.stderr.contains("no access to group or others"), "\(refused.stderr)")
    }

    @Test func aSocketDirectoryReachedThroughASymlinkIsRefused() throws {
        let directory = TempDirectory(prefix: "jcs-squat")
        let real = directory.file("real")
        #expect(mkdir(real, 0o700) == 0)
        let link = directory.file("link")
        #expect(symlink(real, link) == 0)
        let refused = Self.serve(socket: link + "/jcs.sock", in: directory)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("'\(link)'") && refused.stderr.contains("symlink"), "\(refused.stderr)")
    }

    @Test func aPrivateDirectoryIsAcceptedAndAMissingOneIsCreatedPrivate() throws {
        let fixture = try DaemonFixture()
        // The fixture's socket lives in a 0700 directory of ours: the daemon started.
        #expect(fixture.jcs("project", "list").status == 0)
        var info = stat()
        let socket = fixture.daemon.socketPath
        let parent = String(socket[..<(socket.lastIndex(of: "/") ?? socket.endIndex)])
        #expect(stat(parent, &info) == 0 && info.st_mode & 0o077 == 0)
        // A missing directory is created 0700.
        let directory = TempDirectory(prefix: "jcs-squat")
        let fresh = directory.file("fresh/deeper")
        let daemon = try DaemonProcess(
            dataDirectory: directory.file("data"), socketPath: fresh + "/jcs.sock", logPath: directory.file("daemon.log"))
        #expect(stat(fresh, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(daemon.stop() == 0)
    }

    @Test func theCLIRefusesAServerRunningAsAnotherUserBeforeSendingAnything() throws {
        guard getuid() == 0 else {
            Issue.record("this test needs root to run a squatter as uid \(Self.nobody); it ran as uid \(getuid())")
            return
        }
        let directory = TempDirectory(prefix: "jcs-squat")
        // The squatter must reach its directory: the temp directory is made traversable only.
        #expect(chmod(directory.path, 0o711) == 0)
        let squat = directory.file("squat")
        #expect(mkdir(squat, 0o777) == 0 && chmod(squat, 0o777) == 0)
        let socket = squat + "/jcs.sock"
        let script = """
            import socket, os
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind("\(socket)"); os.chmod("\(socket)", 0o777); s.listen(4)
            open("\(squat)/ready", "w").close()
            s.settimeout(30)
            got = 0
            try:
                c, _ = s.accept(); c.settimeout(3)
                while True:
                    d = c.recv(65536)
                    if not d: break
                    got += len(d)
            except OSError:
                pass
            # Written beside and renamed: the test never reads a file that is created and empty.
            with open("\(squat)/received.tmp", "w") as f: f.write(str(got))
            os.rename("\(squat)/received.tmp", "\(squat)/received")
            """
        directory.write("squatter.py", script, mode: 0o644)
        let launched = system2([
            "/bin/sh", "-c",
            "setpriv --reuid \(Self.nobody) --regid \(Self.nobody) --clear-groups timeout -s KILL 40 python3 '\(directory.file("squatter.py"))' >/dev/null 2>&1 &",
        ])
        #expect(launched == 0)
        var ready = false
        for _ in 0..<200 where !ready {
            ready = access(squat + "/ready", F_OK) == 0
            if !ready { usleep(50_000) }
        }
        try #require(ready, "the squatter did not start listening")

        let r = runProduct("jcs", ["project", "list", "--json", "--socket", socket])
        #expect(r.status == 3, "unreachable, not an answer: \(r.status) \(r.out) \(r.err)")
        let said = r.err + r.out
        #expect(said.contains("uid \(Self.nobody)") && said.contains("nothing was sent"), "says what is wrong: \(said)")
        var received: String?
        for _ in 0..<200 where received == nil {
            received = readTextFile(squat + "/received")
            if received == nil { usleep(50_000) }
        }
        #expect(received == "0", "the squatter read \(received ?? "?") bytes of the request")
    }
}
