import ArgumentParser
import Sandbox

/// `jcs diagnostics PROJECT`.
struct DiagnosticsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnostics",
        abstract: "A project's health, counters, recent errors and configuration.",
        discussion: """
            The runbook's daily check: health (and why it is degraded), event counts (should \
            advance), recent errors (bounded and redacted; the newest --errors N are shown, each on \
            one line, the rest counted), the sandbox (profile, network, running calls, egress, and a \
            warning when its sandboxes share one host uid), the assets (counts and load errors), \
            conversations and the effective runtime options. \
            --json prints everything the daemon answers.

            EXAMPLES
              jcs diagnostics app
              jcs diagnostics app --errors 20
              jcs diagnostics app --json
            """
    )

    @Argument(help: "The project's id.") var project: String
    @Option(name: .long, help: "Show the newest N recent errors (default 5).") var errors: Int = 5
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        if errors < 0 { throw ValidationError("--errors must be 0 or more") }
    }

    func run() throws {
        let shown = errors
        try DaemonRequest(options: daemon).run("GET", RequestTarget.path("v1", "projects", project, "diagnostics")) { value in
            Self.print(value, project: project, errors: shown)
        }
    }

    static func print(_ value: JSONValue, project: String, errors shown: Int) {
        let out = HumanOutput.line
        out("project: \(value["project_id"]?.stringValue ?? project)")
        let health = value["health"] ?? [:]
        out("health: \(health["status"]?.stringValue ?? "?")")
        // Whatever the daemon says about why (window, counts, causes, until when), as it says it.
        for (key, member) in (health.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where key != "status" {
            if let scalar = HumanOutput.scalar(member) {
                out("  \(key): \(scalar)")
            } else {
                out("  \(key):")
                for line in HumanOutput.lines(member, indent: "    ") { out(line) }
            }
        }

        let sandbox = value["sandbox"] ?? [:]
        let profile = sandbox["profile"] ?? [:]
        out(
            "sandbox: profile \(text(profile["name"])) (network \(text(profile["network"]))), "
                + "running \(text(sandbox["running"]))/\(text(sandbox["max_concurrency"])) "
                + "(per conversation \(text(sandbox["max_concurrency_per_conversation"]))), egress \(text(sandbox["egress"]?["state"]))")
        if let warning = sandbox["egress"]?["warning"]?.stringValue { out("  warning: \(warning)") }
        if let warning = sandbox["sandbox_uid"]?["warning"]?.stringValue { out("  warning: \(warning)") }

        let assets = value["assets"] ?? [:]
        let counts = (assets["counts"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        out(
            "assets: \(counts.isEmpty ? "none" : counts.joined(separator: ", ")); generation \(text(assets["generation"])); "
                + "\(assets["watching"]?.boolValue == true ? "watching" : "not watching"); \(text(assets["error_count"])) errors")
        for error in assets["errors"]?.arrayValue ?? [] {
            let place = text(error["path"]) + (error["line"].flatMap { HumanOutput.scalar($0) }.map { ":\($0)" } ?? "")
            out("  \(place): \(text(error["code"])): \(text(error["reason"]))")
        }

        let conversations = value["conversations"]?.arrayValue ?? []
        out("conversations: \(conversations.isEmpty ? "none" : conversations.compactMap { $0.stringValue ?? $0["id"]?.stringValue }.joined(separator: ", "))")

        let telemetry = value["telemetry"] ?? [:]
        let eventCounts = (telemetry["event_counts"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
        out("event counts:\(eventCounts.isEmpty ? " none" : "")")
        let width = eventCounts.map(\.key.count).max() ?? 0
        for (name, count) in eventCounts { out("  \(EventsCommand.pad(name, width))  \(text(count))") }

        let recent = telemetry["recent_errors"]?.arrayValue ?? []
        let newest = recent.suffix(shown).reversed()
        let rest = recent.count - newest.count
        out("recent errors: \(recent.count)\(recent.isEmpty ? "" : ", newest first")\(rest > 0 ? " (\(rest) more: --errors \(recent.count))" : "")")
        for error in newest { out("  " + errorLine(error)) }

        let options = (value["runtime_opts"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
        out("runtime options:")
        let optionWidth = options.map(\.key.count).max() ?? 0
        for (key, option) in options {
            out("  \(EventsCommand.pad(key, optionWidth))  \(HumanOutput.scalar(option) ?? JSONWriter.text(option))")
        }
    }

    /// `AT  EVENT  tool=… reason=… message`.
    static func errorLine(_ error: JSONValue) -> String {
        let payload = error["payload"] ?? [:]
        var parts = [text(error["at"]), text(error["event"] ?? error["name"])]
        if let tool = payload["tool"]?.stringValue { parts.append("tool=\(tool)") }
        if let reason = payload["reason"]?.stringValue { parts.append("reason=\(reason)") }
        if let kind = payload["kind"]?.stringValue { parts.append("kind=\(kind)") }
        if let correlation = error["correlation_id"]?.stringValue { parts.append("corr=\(correlation)") }
        if let message = payload["message"]?.stringValue { parts.append(message) }
        return parts.joined(separator: "  ")
    }

    private static func text(_ value: JSONValue?) -> String {
        value.flatMap { HumanOutput.scalar($0) } ?? "?"
    }
}
