#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Synchronization
import Testing

/// Issue 11, finding 1: a follower that disconnects while events flow must not wedge the daemon.
/// The hub used to yield to subscribers under its lock while a cancelled follower's termination
/// handler took that lock under the task's status lock: Ctrl-C on `jcs events --follow`, then the
/// next tool call, and health stopped answering on every listener and SIGTERM was ignored.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct FollowerDeadlockTests {
    static let rounds = 40

    @Test func followersDroppingMidStreamNeverWedgeTheDaemon() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let socket = fixture.daemon.socketPath
        let call = Array(#"{"args":{"argv":["true"]}}"#.utf8)

        // Events keep flowing from another thread for the whole test: tool calls (each emits
        // several events) so every disconnect races an emit.
        let stop = StopFlag()
        let background = OffThread { () throws(SandboxError) -> Int in
            var calls = 0
            while !stop.isSet && calls < 2000 {
                _ = RawHTTP.send(socket: socket, method: "POST", target: "/v1/projects/p1/tools/shell.run/run", body: call)
                calls += 1
            }
            return calls
        }
        defer {
            stop.set()
            _ = try? background.value()
        }

        var slowest = 0.0
        for round in 0..<Self.rounds {
            // A few followers at once, each reading until at least one event arrived (mid-flow).
            var followers: [RawConnection] = []
            for _ in 0..<3 {
                let follower = try #require(RawConnection.unix(socket), "round \(round): connect")
                follower.send("GET /v1/projects/p1/events?follow=true HTTP/1.1\r\nHost: jcs\r\n\r\n")
                followers.append(follower)
            }
            for follower in followers {
                #expect(follower.read(until: Array("\"event\"".utf8), seconds: 30), "round \(round): no event reached a follower")
            }
            // The Ctrl-C: the connections go away mid-stream.
            for follower in followers { follower.close() }

            // The next tool call, then health, which must answer within a second.
            let answer = RawHTTP.send(socket: socket, method: "POST", target: "/v1/projects/p1/tools/shell.run/run", body: call)
            #expect(answer?.status == 200, "round \(round): tool call after the disconnect: \(String(describing: answer?.json))")
            let started = Monotonic.now()
            let health = try #require(Self.health(socket), "round \(round): /v1/health did not answer within 1 s")
            slowest = max(slowest, Monotonic.now() - started)
            #expect(health.status == 200, "round \(round)")
        }
        // SIGTERM still stops it (a wedged daemon ignored it).
        stop.set()
        _ = try background.value()
        #expect(fixture.daemon.stop() == 0)
        print("follower deadlock: \(Self.rounds) rounds, slowest health answer \(Int(slowest * 1000)) ms")
    }

    /// GET /v1/health with a 1 s bound on the whole exchange; nil when it did not answer in time.
    static func health(_ socket: String) -> RawHTTP.Answer? {
        guard let connection = RawConnection.unix(socket) else { return nil }
        connection.send("GET /v1/health HTTP/1.1\r\nHost: jcs\r\nConnection: close\r\n\r\n")
        guard connection.read(until: Array("\"status\"".utf8), seconds: 1.0) else { return nil }
        let status = connection.text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return RawHTTP.Answer(status: status, json: .null)
    }
}

/// A flag another thread polls; a class so a closure can share it.
final class StopFlag: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
