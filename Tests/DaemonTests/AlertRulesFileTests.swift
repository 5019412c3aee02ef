import Sandbox
import TestSupport
import Testing

/// `deploy/prometheus/jcs-alerts.yml` may only use what `/metrics` exposes: every `jcs_…` metric
/// named in an `expr:` and every `event="…"` it matches on must be in a live scrape, and every
/// `rule="…"` must be a daemon rule the operations page documents, so a rule can never watch a
/// series that does not exist (Prometheus would stay silent, not fail).
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct AlertRulesFileTests {
    /// The checkout's copy: this file is Tests/DaemonTests/ in it.
    static let rulesPath = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        + "/deploy/prometheus/jcs-alerts.yml"

    @Test func everyMetricAndEventTheRulesUseIsExposed() throws {
        let rules = try #require(readTextFile(Self.rulesPath), "cannot read \(Self.rulesPath)")
        let expressions = Self.expressions(in: rules)
        #expect(expressions.count >= 16)
        let metrics = Set(expressions.flatMap { Self.matches(of: #/jcs_[a-z0-9_]+/#, in: $0) })
        let events = Set(expressions.flatMap { Self.eventNames(in: $0) })
        #expect(!metrics.isEmpty)
        #expect(metrics.contains("jcs_alerts_active"))
        let ruleNames = Set(expressions.flatMap { $0.matches(of: #/rule="([^"]*)"/#).map { String($0.output.1) } })
        #expect(ruleNames.count >= 12)
        let operations = try #require(readTextFile(Self.rulesPath.replacing("deploy/prometheus/jcs-alerts.yml", with: "docs/operations.md")))
        for rule in ruleNames.sorted() {
            #expect(operations.contains("`\(rule)`"), "the rules read rule=\"\(rule)\", which docs/operations.md does not name")
        }

        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let answer = try #require(RawHTTP.getText(socket: fixture.daemon.socketPath, target: "/metrics"))
        let scrape = try PrometheusExposition(parsing: answer.body)
        let exposed = scrape.familyNames.union(scrape.samples.map(\.name))
        for metric in metrics.sorted() {
            #expect(exposed.contains(metric), "the rules use \(metric), which /metrics does not expose")
        }
        let exposedEvents = Set(scrape.samples("jcs_events_total", ["project": "p1"]).compactMap { $0.labels["event"] })
        for event in events.sorted() {
            #expect(exposedEvents.contains(event), "the rules match event=\"\(event)\", which jcs_events_total lacks")
        }
    }

    /// The text of every `expr:`, one-line or a `|` block (its lines indented deeper than the key).
    static func expressions(in yaml: String) -> [String] {
        var expressions: [String] = []
        var block: (indent: Int, lines: [String])?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if let open = block {
                if body.isEmpty || indent > open.indent {
                    block?.lines.append(String(body))
                    continue
                }
                expressions.append(open.lines.joined(separator: " "))
                block = nil
            }
            guard body.hasPrefix("expr:") else { continue }
            let rest = body.dropFirst("expr:".count).trimmingPrefix(" ")
            if rest.hasPrefix("|") || rest.hasPrefix(">") {
                block = (indent, [])
            } else {
                expressions.append(String(rest))
            }
        }
        if let open = block { expressions.append(open.lines.joined(separator: " ")) }
        return expressions
    }

    /// `event="x"` values, and each alternative of `event=~"a|b"`.
    static func eventNames(in expression: String) -> [String] {
        expression.matches(of: #/event=~?"([^"]*)"/#).flatMap { $0.output.1.split(separator: "|").map(String.init) }
    }

    static func matches(of regex: Regex<Substring>, in text: String) -> [String] {
        text.matches(of: regex).map { String($0.output) }
    }
}
