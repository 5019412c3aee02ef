#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Finding 6 of issue 10: a call must see nothing of an earlier call's network state — no
/// TIME_WAIT sockets in /proc/net/tcp, no loopback counters, no EADDRINUSE on the port the
/// earlier call used — whichever project that earlier call belonged to.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct NetworkResidueTests {
    static let port = 39_231

    /// Binds the port, connects to itself and closes the server side first, which leaves that
    /// side in TIME_WAIT for a minute.
    static let leaveTimeWait = """
        import socket
        s = socket.socket(); s.bind(("127.0.0.1", \(port))); s.listen(1)
        c = socket.create_connection(("127.0.0.1", \(port)))
        a, _ = s.accept(); a.sendall(b"x" * 1000); c.recv(1000)
        a.close(); c.close(); s.close()
        print(sum(1 for line in open("/proc/net/tcp").readlines()[1:] if line.split()[3] == "06"), flush=True)
        """

    static let inspect = """
        import socket
        rows = open("/proc/net/tcp").readlines()[1:] + open("/proc/net/tcp6").readlines()[1:]
        lo = [l.split() for l in open("/proc/net/dev") if l.strip().startswith("lo:")][0]
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", \(port))); bound = "bound"
        except OSError as e:
            bound = "errno %d" % e.errno
        print(len(rows), lo[1], lo[2], bound, flush=True)
        """

    @Test func aLaterCallSeesNoSocketsCountersOrBusyPortOfAnEarlierOne() throws {
        let first = try SandboxHarness()
        let a = try first.run(["/usr/bin/python3", "-c", Self.leaveTimeWait])
        #expect(a.exitCode == 0, "\(a.err)")
        #expect(a.out == "1\n", "the first call should see its own TIME_WAIT socket: \(a.out)")
        // Several later calls, of another project and of the same one: none sees any residue.
        for harness in [try SandboxHarness(), first, try SandboxHarness(profile: "strict")] {
            let b = try harness.run(["/usr/bin/python3", "-c", Self.inspect])
            #expect(b.exitCode == 0, "\(b.err)")
            #expect(b.out == "0 0 0 bound\n", "residue of an earlier call (sockets, lo bytes, lo packets, bind): \(b.out)")
        }
    }

    /// The same through `jcs sandbox run`, one process per call: each makes a namespace of its
    /// own ahead of the clone, and none is reused or the host's.
    @Test(.enabled(if: BuiltProducts.exists("jcs"), "jcs is not built (run scripts/test, which builds it)"))
    func eachCLIRunGetsANamespaceNobodyUsed() throws {
        let project = TempDirectory()
        let run = { (script: String) in
            runProduct("jcs", ["sandbox", "run", "--root", project.path, "--", "/usr/bin/python3", "-c", script])
        }
        let a = run(Self.leaveTimeWait)
        #expect(a.status == 0 && a.out == "1\n", "\(a.out) \(a.err)")
        let b = run(Self.inspect)
        #expect(b.status == 0 && b.out == "0 0 0 bound\n", "residue of an earlier call: \(b.out) \(b.err)")
    }
}
