#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Each sandbox has a network namespace of its own: a sandbox must never reach what another one,
/// earlier or concurrent, listens on (residue of earlier calls: `NetworkResidueTests`).
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct NetworkSlotTests {
    static let port = 39_123

    static let listen = """
        import socket, sys, time
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", \(port))); s.listen(8); print("listening", flush=True)
        open("/workspace/listening", "w").close()
        time.sleep(float(sys.argv[1]))
        """

    static let connect = """
        import socket
        try:
            socket.create_connection(("127.0.0.1", \(port)), timeout=2); print("connected")
        except OSError as e:
            print("refused" if e.errno == 111 else "error %d" % e.errno)
        """

    @Test func aLaterSandboxFindsNothingOfAnEarlierOnesListeners() throws {
        let first = try SandboxHarness()
        let a = try first.run(["/usr/bin/python3", "-c", Self.listen, "0"])
        #expect(a.stdout == Array("listening\n".utf8), "\(String(decoding: a.stderr, as: UTF8.self))")
        let second = try SandboxHarness()
        let b = try second.run(["/usr/bin/python3", "-c", Self.connect])
        #expect(String(decoding: b.stdout, as: UTF8.self) == "refused\n")
    }

    @Test func concurrentSandboxesDoNotShareALoopback() throws {
        let listening = try SandboxHarness()
        // On a thread of its own: a child task may wait for a cooperative thread that other
        // suites' blocking sandbox calls hold, and the listener would never come up.
        let listener = OffThread { () throws(SandboxError) -> SandboxResult in
            do {
                return try listening.run(["/usr/bin/python3", "-c", Self.listen, "3"])
            } catch let error as SandboxError {
                throw error
            } catch {
                throw .protocolViolation(reason: "\(error)")
            }
        }
        // The listener says when it is up by creating a file in its workspace.
        var waited = 0
        while access(listening.project.file("listening"), F_OK) != 0 && waited < 10_000 {
            usleep(10_000)
            waited += 10
        }
        #expect(waited < 10_000, "the listener never came up")
        let other = try SandboxHarness()
        let b = try other.run(["/usr/bin/python3", "-c", Self.connect])
        let a = try listener.value()
        #expect(String(decoding: a.stdout, as: UTF8.self) == "listening\n")
        #expect(String(decoding: b.stdout, as: UTF8.self) == "refused\n")
    }
}
