#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 11, finding 7: what a client can make the daemon hold (followers, async results, requests
/// in progress) is budgeted per project or token and daemon-wide, and a refusal names the budget's
/// config key. Small budgets from a real config on a real daemon.
@Suite
struct BudgetTests {
    static let secret = "budget-secret-0123456789abcdef"

    static func refusal(_ answer: RawHTTP.Answer?) -> String {
        "\(answer?.status ?? 0) \(answer?.json["error"]?.stringValue ?? "-") \(answer?.json["field"]?.stringValue ?? "-")"
    }

    @Test func followersPastTheProjectBudgetAreRefusedAndSlotsComeBack() throws {
        let fixture = try DaemonFixture(config: ["limits": ["max_followers_per_project": 2, "max_followers": 3]])
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p2").status == 0)
        let socket = fixture.daemon.socketPath
        func follow(_ project: String) -> RawConnection? {
            let connection = RawConnection.unix(socket)
            connection?.send("GET /v1/projects/\(project)/events?follow=true HTTP/1.1\r\nHost: jcs\r\n\r\n")
            guard connection?.read(until: Array("HTTP/1.1 200".utf8), seconds: 10) == true else { return nil }
            return connection
        }
        let held = [follow("p1"), follow("p1")]
        #expect(held.allSatisfy { $0 != nil })
        let third = RawHTTP.send(socket: socket, method: "GET", target: "/v1/projects/p1/events?follow=true", body: [])
        #expect(Self.refusal(third) == "429 resource_exhausted limits.max_followers_per_project")
        // Another project has its own share, up to the daemon-wide budget.
        let other = follow("p2")
        #expect(other != nil)
        let global = RawHTTP.send(socket: socket, method: "GET", target: "/v1/projects/p2/events?follow=true", body: [])
        #expect(Self.refusal(global) == "503 resource_exhausted limits.max_followers")
        // The operator sees which budget was hit.
        let logged = fixture.logLines.filter { $0["event"]?.stringValue == "daemon.budget_refused" }.compactMap { $0["budget"]?.stringValue }
        #expect(logged == ["limits.max_followers_per_project", "limits.max_followers"], "\(logged)")
        // A follower that leaves gives its slot back.
        held[0]?.close()
        var again: RawConnection?
        for _ in 0..<100 where again == nil {
            again = follow("p1")
            if again == nil { usleep(100_000) }
        }
        #expect(again != nil, "the slot of a closed follower never came back")
    }

    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func asyncCallsAndKeptResultsAreBudgeted() throws {
        let fixture = try DaemonFixture(config: ["limits": ["max_detached_calls_per_project": 2, "max_kept_result_bytes": 4096]])
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let slow = (0..<2).map { index in
            fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sleep","56.\#(index)"]}"#, "--async")
        }
        #expect(slow.allSatisfy { $0.status == 0 })
        let third = RawHTTP.send(
            socket: fixture.daemon.socketPath, method: "POST", target: "/v1/projects/p1/tools/shell.run/run",
            body: Array(#"{"args":{"argv":["true"]},"async":true}"#.utf8))
        #expect(Self.refusal(third) == "429 resource_exhausted limits.max_detached_calls_per_project")
        for call in slow {
            let id = try #require(call.json["call_id"]?.stringValue)
            #expect(fixture.jcs("tool", "cancel", "p1", "--call", id).json["status"]?.stringValue == "cancelled")
        }
        // A result larger than the byte budget is not kept: reading it back says it is gone.
        let big = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sh","-c","head -c 20000 /dev/zero | tr '\\0' x"]}"#, "--async")
        let bigId = try #require(big.json["call_id"]?.stringValue)
        var gone = false
        for _ in 0..<200 where !gone {
            gone = fixture.jcs("tool", "result", "p1", bigId).json["error"]?.stringValue == "unknown_call"
            if !gone { usleep(100_000) }
        }
        #expect(gone, "a 20 KB result was kept under a 4 KiB budget")
        // A small one is kept and read back.
        let small = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["echo","hi"]}"#, "--async")
        let smallId = try #require(small.json["call_id"]?.stringValue)
        #expect(fixture.jcs("tool", "result", "p1", smallId).json["status"]?.stringValue == "completed")
    }

    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func aTokensRequestsInProgressAreBudgeted() throws {
        let config: JSONValue = [
            "tcp": [
                "listen": "127.0.0.1:0", "max_requests_per_token": 1,
                "tokens": [["name": "ci", "sha256": .string(SHA256.hexDigest(Array(Self.secret.utf8))), "projects": ["p1"]]],
            ]
        ]
        let fixture = try DaemonFixture(config: config)
        let port = try fixture.tcpPort()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let auth = [("Authorization", "Bearer \(Self.secret)")]
        // In progress until the test lets it finish: a fixed sleep could end, on a loaded
        // machine, before the second request arrives (it did in CI).
        let busy = OffThread { () throws(SandboxError) -> RawHTTP.Answer? in
            RawHTTP.send(port: port, method: "POST", target: "/v1/projects/p1/tools/shell.run/run", headers: auth,
                         body: Array(#"{"args":{"argv":["sh","-c","until [ -e released ]; do sleep 0.05; done","budget-hold"]}}"#.utf8))
        }
        #expect(MCPCancellationTests.eventually(seconds: 20) { !hostProcesses(containing: "budget-hold").isEmpty })
        let second = RawHTTP.send(port: port, method: "GET", target: "/v1/projects/p1/tools", headers: auth)
        #expect(Self.refusal(second) == "429 resource_exhausted tcp.max_requests_per_token")
        _ = creat(fixture.projectRoot + "/released", 0o644)
        #expect(try busy.value()?.status == 200)
        #expect(RawHTTP.send(port: port, method: "GET", target: "/v1/projects/p1/tools", headers: auth)?.status == 200)
    }

    @Test func budgetKeysAreCheckedStrictly() throws {
        let directory = TempDirectory(prefix: "jcs-budget")
        for (text, expected) in [
            (#"{"limits":{"max_folowers":1}}"#, "limits.max_folowers: unknown key"),
            (#"{"limits":{"max_followers":0}}"#, "limits.max_followers: must be an integer in 1...100000"),
            (#"{"limits":{"max_followers":2,"max_followers_per_project":3}}"#, "limits.max_followers_per_project: must not exceed"),
            (#"{"tcp":{"listen":"127.0.0.1:0","max_connections":1,"max_connections_per_address":2,"tokens":[{"name":"a","sha256":"00","projects":["x"]}]}}"#,
             "tcp.tokens[0].sha256"),
        ] {
            directory.write("config.json", text)
            let r = runProduct("jcs-coordinator", ["serve", "--config", directory.file("config.json"), "--check-config"])
            #expect(r.status == 78, "\(text): \(r.status)")
            #expect(r.err.contains(expected), "\(text): \(r.err)")
        }
        directory.write("config.json", #"{"limits":{"max_followers_per_project":4}}"#)
        let r = runProduct("jcs-coordinator", ["serve", "--config", directory.file("config.json"), "--check-config"])
        #expect(r.status == 0)
        let summary = try JSONParser.parse(r.out)
        #expect(summary["limits"]?["max_followers_per_project"]?.intValue == 4)
        #expect(summary["limits"]?["max_followers"]?.intValue == 256)
    }
}
