#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// `GET /metrics` on a real daemon after real tool calls: the document parses strictly, the
/// counters say what was done, and the latency histogram is a well-formed cumulative histogram
/// whose counts are the calls.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MetricsTests {
    @Test func scrapeAfterCompletedDeniedTimedOutAndKilledCalls() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1", "--option", "tool_timeout_ms=20000").status == 0)
        #expect(fixture.jcs("conversation", "start", "p1", "--id", "c1").status == 0)

        let completed = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sh","-c","echo hi"]}"#)
        #expect(completed.json["status"]?.stringValue == "completed")
        let denied = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"../outside.txt"}"#)
        #expect(denied.json["status"]?.stringValue == "failed")
        #expect(denied.json["reason"]?.stringValue == "policy_denied")
        // The short timeout is the call's own: the memory bomb below keeps the project's, so on a
        // loaded host filling 512 MiB before the kill cannot turn into a timeout.
        let timedOut = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sleep","5"],"timeout_ms":1000}"#)
        #expect(timedOut.json["status"]?.stringValue == "timeout")
        // Over the default profile's 512 MiB: the memory cgroup kills it.
        let oom = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["python3","-c","x=bytearray(1<<30)"]}"#)
        #expect(oom.json["reason"]?.stringValue == "limit_exceeded")

        // The histogram is fed from the hub's event stream: wait (bounded) until it saw all four.
        let metrics = try scrape(fixture) { $0.samples("jcs_tool_duration_seconds_count", ["project": "p1"]).total >= 4 }

        #expect(metrics.value("jcs_up") == 1)
        #expect(metrics.value("jcs_projects") == 1)
        #expect(metrics.samples("jcs_build_info").count == 1)
        #expect(metrics.value("jcs_conversations", ["project": "p1"]) == 1)
        #expect(metrics.value("jcs_tool_calls_in_flight", ["project": "p1"]) == 0)
        #expect(metrics.types["jcs_tool_duration_seconds"] == "histogram")
        #expect(metrics.types["jcs_events_total"] == "counter")

        // Counters against what was done, and against the diagnostics' own event counts.
        let events = { (name: String) in metrics.value("jcs_events_total", ["project": "p1", "event": name]) }
        #expect(events("tool.completed") == 1)
        #expect(events("tool.failed") == 2)
        #expect(events("tool.timeout") == 1)
        #expect(events("policy.denied") == 1)
        #expect(events("security.sandbox_violation") == 1)
        // Known events are exposed before they happen, so Prometheus sees the first as an increase.
        #expect(events("security.sensitive_path_denied") == 0)
        let counts = fixture.jcs("diagnostics", "p1").json["telemetry"]?["event_counts"]?.objectValue ?? [:]
        for name in ["tool.completed", "tool.failed", "tool.timeout", "policy.denied", "tool.started"] {
            #expect(events(name) == counts[name]?.doubleValue, "\(name)")
        }

        // One series per (tool, status); each a cumulative histogram whose +Inf bucket is its count.
        let durationCount = { (tool: String, status: String) in
            metrics.value("jcs_tool_duration_seconds_count", ["project": "p1", "tool": tool, "status": status])
        }
        #expect(durationCount("shell.run", "completed") == 1)
        #expect(durationCount("fs.read", "failed") == 1)
        #expect(durationCount("shell.run", "timeout") == 1)
        #expect(durationCount("shell.run", "failed") == 1)
        #expect(metrics.samples("jcs_tool_duration_seconds_count", ["project": "p1"]).total == 4)
        for series in metrics.samples("jcs_tool_duration_seconds_count") {
            let buckets = metrics.samples("jcs_tool_duration_seconds_bucket", series.labels)
                .map { (PrometheusExposition.value(Substring($0.labels["le"] ?? "")) ?? .nan, $0.value) }
            #expect(buckets.count == 14)
            #expect(buckets.map(\.0) == buckets.map(\.0).sorted(), "bucket order \(series.labels)")
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.1 <= $1.1 }, "cumulative \(series.labels)")
            #expect(buckets.last?.0 == .infinity)
            #expect(buckets.last?.1 == series.value)
            #expect(metrics.value("jcs_tool_duration_seconds_sum", series.labels) != nil)
        }
        // The timed-out call ran for its whole second: nothing in the buckets below it.
        let timeoutLabels = ["project": "p1", "tool": "shell.run", "status": "timeout"]
        #expect(metrics.value("jcs_tool_duration_seconds_bucket", timeoutLabels.merging(["le": "0.5"]) { $1 }) == 0)
        #expect((metrics.value("jcs_tool_duration_seconds_sum", timeoutLabels) ?? 0) >= 0.9)

        // Every limit has a series, counted once per call from the ending events' `limits_fired`:
        // the timeout (also streamed as a `security.limit_exceeded` event, not counted twice) and
        // the memory limit that ended the fourth call (found by the worker only after the tool ended).
        let limits = metrics.samples("jcs_limits_fired_total", ["project": "p1"])
        #expect(Set(limits.compactMap { $0.labels["limit"] }).isSuperset(of: ["memory", "pids", "timeout", "output", "file_size", "cpu"]))
        #expect(metrics.value("jcs_limits_fired_total", ["project": "p1", "limit": "memory"]) == 1)
        #expect(metrics.value("jcs_limits_fired_total", ["project": "p1", "limit": "timeout"]) == 1)
        #expect(limits.total >= (events("security.limit_exceeded") ?? 0))

        // The sandbox violation raised its page, which the alert counters show.
        #expect(metrics.value("jcs_alerts_total", ["project": "p1", "rule": "sandbox_violation", "severity": "page"]) == 1)
        // Refused by the policy before any sandbox ran: a page without immediate escalation.
        #expect(metrics.value("jcs_alerts_active", ["project": "p1", "rule": "sandbox_violation", "severity": "page", "escalation": "none"]) == 1)
        #expect(metrics.value("jcs_assets_reload_error_streak", ["project": "p1"]) == 0)
        #expect(metrics.samples("jcs_telemetry_dropped_total").count == 3)
    }

    @Test func warmWorkersAreIdleSandboxesNotCallsInFlight() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        // The pool prepares in the background after the start: wait (bounded) for the first.
        let metrics = try scrape(fixture) { ($0.value("jcs_warm_workers", ["project": "p1"]) ?? 0) >= 1 }
        #expect(metrics.types["jcs_warm_workers"] == "gauge")
        #expect(metrics.value("jcs_active_workers", ["project": "p1"]) == 0)
    }

    @Test func inventedToolNamesAreOneLabel() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        // An unknown tool's name comes from the caller: it never becomes a label (issue 11), so
        // inventing names neither injects into the scrape nor grows it. Sent raw: `jcs`
        // percent-encodes the name, and the route takes the path segment as it comes.
        let odd = #"we"ird\tool"#
        let call = RawHTTP.send(
            socket: fixture.daemon.socketPath, method: "POST", target: "/v1/projects/p1/tools/\(odd)/run", body: [])
        #expect(call?.json["tool"]?.stringValue == odd)
        #expect(call?.json["status"]?.stringValue == "failed")
        for index in 0..<70 {
            #expect(fixture.jcs("tool", "run", "p1", "no.such.tool\(index)").json["status"]?.stringValue == "failed")
        }
        let metrics = try scrape(fixture) { $0.samples("jcs_tool_duration_seconds_count", ["project": "p1"]).total >= 71 }
        let tools = Set(metrics.samples("jcs_tool_duration_seconds_count", ["project": "p1"]).compactMap { $0.labels["tool"] })
        #expect(tools == ["other"])
        #expect(metrics.value("jcs_tool_duration_seconds_count", ["project": "p1", "tool": "other", "status": "failed"]) == 71)
        // The per-project cap of 64 labels is for catalog names; none was reached here.
        #expect(metrics.value("jcs_tool_label_overflow_total") == 0)
    }

    /// Scrapes until `ready` holds (bounded: 5 s), checking each scrape parses.
    private func scrape(_ fixture: DaemonFixture, until ready: (PrometheusExposition) -> Bool) throws -> PrometheusExposition {
        var last: PrometheusExposition?
        for _ in 0..<100 {
            let answer = try #require(RawHTTP.getText(socket: fixture.daemon.socketPath, target: "/metrics"))
            #expect(answer.status == 200)
            #expect(answer.contentType.hasPrefix("text/plain; version=0.0.4"))
            let parsed = try PrometheusExposition(parsing: answer.body)
            if ready(parsed) { return parsed }
            last = parsed
            var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            nanosleep(&pause, nil)
        }
        Issue.record("the scrape never became ready")
        return try #require(last)
    }
}

extension [PrometheusExposition.Sample] {
    var total: Double { reduce(0) { $0 + $1.value } }
}
