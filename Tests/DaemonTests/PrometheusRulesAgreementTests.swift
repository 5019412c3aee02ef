import Sandbox
import TestSupport
import Testing

/// Both alert paths agree exactly: the daemon's engine and `deploy/prometheus/jcs-alerts.yml`
/// fire at the same counts (the 11th timeout, the 16th denial from a quiet project, not one
/// earlier) and on a violation that happened before the project's first scrape. A real daemon
/// is driven to each edge and scraped; `promtool test rules` then evaluates the rules file over
/// those scrapes and must find exactly the alerts the daemon raised.
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .enabled(
        if: Ops.promtool != nil,
        "promtool is not installed: `apt-get install prometheus` (scripts/setup does); the Prometheus rules are NOT checked"))
struct PrometheusRulesAgreementTests {
    static let rulesPath = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        + "/deploy/prometheus/jcs-alerts.yml"

    @Test func promtoolFiresExactlyWhereTheDaemonDoes() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let deny = {
            let answer = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"../outside.txt"}"#)
            #expect(answer.json["reason"]?.stringValue == "policy_denied", "\(answer.json)")
        }
        let timeOut = {
            let answer = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sleep","5"],"timeout_ms":100}"#)
            #expect(answer.json["status"]?.stringValue == "timeout", "\(answer.json)")
        }
        let raised = { (rule: String) in
            (fixture.jcs("alerts", "p1").json["alerts"]?.arrayValue ?? []).filter { $0["rule"]?.stringValue == rule }.count
        }
        let eventCount = { (name: String) in
            fixture.jcs("diagnostics", "p1").json["telemetry"]?["event_counts"]?[name]?.intValue ?? 0
        }
        var scrapes: [PrometheusExposition] = []
        let scrape = { scrapes.append(try Ops.scrape(fixture)) }

        // Step 0: a violation before the project's first scrape.
        deny()
        try scrape()
        // Step 1: 15 denials in 5 minutes from a quiet project: not a spike (3 × the floor of 5).
        for _ in 2...15 { deny() }
        #expect(eventCount("policy.denied") == 15)
        #expect(raised("policy_denied_spike") == 0)
        try scrape()
        // Step 2: the 16th is.
        deny()
        #expect(raised("policy_denied_spike") == 1)
        try scrape()
        // Step 3: 10 timeouts are not a spike; step 4: the 11th is.
        for _ in 1...10 { timeOut() }
        #expect(eventCount("tool.timeout") == 10)
        #expect(raised("tool_timeout_spike") == 0)
        try scrape()
        timeOut()
        #expect(raised("tool_timeout_spike") == 1)
        try scrape()

        let expected: [(step: Int, alert: String, labels: [[String: String]])] = [
            (0, "JcsSandboxViolation", [["project": "p1", "rule": "sandbox_violation", "severity": "page", "escalation": "none"]]),
            (1, "JcsPolicyDeniedSpike", []),
            (2, "JcsPolicyDeniedSpike", [["project": "p1", "rule": "policy_denied_spike", "severity": "warning", "escalation": "none"]]),
            (3, "JcsToolTimeoutSpike", []),
            (3, "JcsRepeatedTimeoutFailures", [["project": "p1", "rule": "repeated_timeout_failures", "severity": "page", "escalation": "none"]]),
            (4, "JcsToolTimeoutSpike", [["project": "p1", "rule": "tool_timeout_spike", "severity": "page", "escalation": "none"]]),
            (4, "JcsRepeatedTimeoutFailuresAcrossProjects", []),
        ]
        let rules = try #require(readTextFile(Self.rulesPath), "cannot read \(Self.rulesPath)")
        let directory = TempDirectory(prefix: "jcs-promtool")
        directory.write("test.yml", Self.promtoolTest(rulesPath: Self.rulesPath, rules: rules, scrapes: scrapes, expected: expected))
        let result = Ops.run([try #require(Ops.promtool), "test", "rules", directory.file("test.yml")], directory: directory)
        #expect(result.status == 0, "promtool disagrees with the daemon:\n\(result.out)\n\(result.err)\n\(directory.read("test.yml") ?? "")")
    }

    /// A `promtool test rules` file: every `jcs_alerts_active` series of the scrapes as input
    /// (one scrape per minute, `_` where a series was absent), and the expected alerts.
    static func promtoolTest(
        rulesPath: String, rules: String, scrapes: [PrometheusExposition],
        expected: [(step: Int, alert: String, labels: [[String: String]])]
    ) -> String {
        var series: [String: [Bool]] = [:]
        for (step, scrape) in scrapes.enumerated() {
            for sample in scrape.samples("jcs_alerts_active") where sample.value == 1 {
                let key = render(sample.labels)
                series[key, default: Array(repeating: false, count: scrapes.count)][step] = true
            }
        }
        var text = "rule_files: [\(quote(rulesPath))]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
        for (labels, present) in series.sorted(by: { $0.key < $1.key }) {
            text += "      - series: \(quote("jcs_alerts_active" + labels))\n"
            text += "        values: \(quote(present.map { $0 ? "1" : "_" }.joined(separator: " ")))\n"
        }
        text += "    alert_rule_test:\n"
        for item in expected {
            text += "      - eval_time: \(item.step)m\n        alertname: \(item.alert)\n"
            if item.labels.isEmpty {
                text += "        exp_alerts: []\n"
                continue
            }
            text += "        exp_alerts:\n"
            for labels in item.labels {
                text += "          - exp_labels:\n"
                for (name, value) in labels.sorted(by: { $0.key < $1.key }) { text += "              \(name): \(quote(value))\n" }
                text += "            exp_annotations:\n"
                for (name, value) in annotations(of: item.alert, in: rules, project: labels["project"] ?? "") {
                    text += "              \(name): \(quote(value))\n"
                }
            }
        }
        return text
    }

    /// `{a="x",b="y"}`.
    static func render(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacing("'", with: "''") + "'"
    }

    /// The annotations of `alert` in the rules file (`key: "value"` lines under `annotations:`),
    /// with `{{ $labels.project }}` filled in as Prometheus would.
    static func annotations(of alert: String, in rules: String, project: String) -> [(String, String)] {
        var inAlert = false
        var inAnnotations = false
        var result: [(String, String)] = []
        for line in rules.split(separator: "\n").map(String.init) {
            let trimmed = line.trimmedSpaces
            if trimmed.hasPrefix("- alert:") {
                if inAlert { break }
                inAlert = trimmed == "- alert: \(alert)"
                continue
            }
            guard inAlert else { continue }
            if trimmed == "annotations:" {
                inAnnotations = true
                continue
            }
            if inAnnotations, let colon = trimmed.firstIndex(of: ":"), trimmed.hasSuffix("\"") {
                let key = String(trimmed[..<colon])
                var value = String(trimmed[trimmed.index(after: colon)...]).trimmedSpaces
                value = String(value.dropFirst().dropLast()).replacing("\\\"", with: "\"")
                result.append((key, value.replacing("{{ $labels.project }}", with: project)))
            } else if inAnnotations {
                inAnnotations = false
            }
        }
        return result
    }
}

extension String {
    /// Without leading and trailing spaces.
    fileprivate var trimmedSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
