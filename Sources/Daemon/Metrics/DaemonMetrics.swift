import CodeServer
import Sandbox

/// The families `/metrics` exposes, read at scrape time from the engine, its projects, the hub
/// and the collector. Names and labels are the contract `deploy/prometheus/jcs-alerts.yml` and
/// `docs/operations.md` are written against.
struct DaemonMetrics {
    let runtime: Runtime
    let collector: MetricsCollector

    /// Event names exposed at zero before they happen, so the first occurrence is an increase
    /// Prometheus can see (a series that appears at 1 has no earlier sample to differ from).
    static let knownEvents: [String] = EventKind.allCases.map(\.rawValue).sorted()
    /// Names outside `knownEvents` (a kernel violation kind added later) per project before the
    /// rest are summed under `other`.
    static let maximumUnknownEventsPerProject = 32

    func families() async -> [MetricFamily] {
        let running = await runtime.engine.listProjects().map(\.id)
        for project in running { collector.register(project: project) }
        let collected = collector.snapshot

        var up = MetricFamily("jcs_up", .gauge, help: "1 while the daemon answers scrapes.")
        up.add([], 1)
        var build = MetricFamily("jcs_build_info", .gauge, help: "The daemon's version, as a label; always 1.")
        build.add([("version", CodeServer.version)], 1)
        var projects = MetricFamily("jcs_projects", .gauge, help: "Projects running in the daemon.")
        projects.add(count: running.count)

        var conversations = MetricFamily("jcs_conversations", .gauge, help: "Conversations open per project.")
        var inFlight = MetricFamily(
            "jcs_tool_calls_in_flight", .gauge, help: "Tool calls past the quota stage and not yet finished, per project.")
        var workers = MetricFamily(
            "jcs_active_workers", .gauge,
            help: "Calls holding a sandbox worker or running in the coordinator; idle warm workers are not counted.")
        var warm = MetricFamily(
            "jcs_warm_workers", .gauge, help: "Prepared sandbox workers idle and waiting for a call, per project.")
        var egress = MetricFamily(
            "jcs_project_egress_enabled", .gauge,
            help: "1 when the project's network_egress_policy is allow (a network denial there is unexpected).")
        var healthy = MetricFamily("jcs_project_healthy", .gauge, help: "1 when the project's health status is ok.")
        for id in running {
            guard let project = try? await runtime.engine.project(id) else { continue }
            let labels = [("project", id)]
            conversations.add(labels, count: await project.conversationIds.count)
            let calls = (await project.diagnostics)["execution"]?["running"]?.intValue ?? 0
            inFlight.add(labels, count: calls)
            workers.add(labels, count: calls)
            warm.add(labels, count: project.warmWorkers)
            egress.add(labels, project.options.networkEgressPolicy == .allow ? 1 : 0)
            healthy.add(labels, runtime.hub.health(project: id).status == .ok ? 1 : 0)
        }

        let seen = Set(running).union(collected.limits.keys).union(collected.durations.keys.map(\.project))
        var families = [
            up, build, projects, conversations, inFlight, workers, warm, egress, healthy,
            events(projects: seen.sorted()), durations(collected), limits(collected), streaks(collected),
        ]
        families += alerts(collected)
        families += telemetryLosses(collected)
        families += collector.llm.families
        return families
    }

    private func events(projects: [String]) -> MetricFamily {
        var family = MetricFamily(
            "jcs_events_total", .counter, help: "Telemetry events the hub recorded, per project and event name.")
        for project in projects {
            var counts = runtime.hub.snapshot(project: project).eventCounts
            for name in Self.knownEvents where counts[name] == nil { counts[name] = 0 }
            let unknown = counts.keys.filter { !Self.knownEvents.contains($0) }.sorted()
            var other: UInt64 = 0
            for name in unknown.dropFirst(Self.maximumUnknownEventsPerProject) {
                other += counts.removeValue(forKey: name) ?? 0
            }
            if other > 0 { counts["other", default: 0] += other }
            for (name, count) in counts { family.add([("project", project), ("event", name)], count: count) }
        }
        return family
    }

    private func durations(_ collected: MetricsCollector.Snapshot) -> MetricFamily {
        var family = MetricFamily(
            "jcs_tool_duration_seconds", .histogram,
            help: "Tool call latency from admission to result, per project, tool and final status.")
        for series in collected.durations.keys.sorted() {
            let labels = [("project", series.project), ("tool", series.tool), ("status", series.status)]
            family.samples += collected.durations[series]!.samples(name: family.name, labels: labels)
        }
        return family
    }

    private func limits(_ collected: MetricsCollector.Snapshot) -> MetricFamily {
        var family = MetricFamily(
            "jcs_limits_fired_total", .counter, help: "Sandbox limits the kernel enforced, per project and limit.")
        for (project, fired) in collected.limits {
            for limit in MetricsCollector.knownLimits {
                family.add([("project", project), ("limit", limit)], count: fired[limit] ?? 0)
            }
            if let other = fired[MetricsCollector.overflowLimit] {
                family.add([("project", project), ("limit", MetricsCollector.overflowLimit)], count: other)
            }
        }
        return family
    }

    private func streaks(_ collected: MetricsCollector.Snapshot) -> MetricFamily {
        var family = MetricFamily(
            "jcs_assets_reload_error_streak", .gauge,
            help: "Successive project.assets_reloaded events with a non-zero error_count; 0 after a clean reload.")
        for (project, streak) in collected.assetErrorStreaks { family.add([("project", project)], count: streak) }
        return family
    }

    private func alerts(_ collected: MetricsCollector.Snapshot) -> [MetricFamily] {
        var total = MetricFamily(
            "jcs_alerts_total", .counter, help: "Alerts the daemon's alert engine raised, per project, rule and severity.")
        // The engine's own conditions, so the Prometheus rules (deploy/prometheus/jcs-alerts.yml)
        // fire on exactly what the daemon fires on; absent while nothing holds.
        var active = MetricFamily(
            "jcs_alerts_active", .gauge,
            help: "1 while the alert engine's condition holds (thresholds: docs/operations.md); every-occurrence rules hold for 5 minutes after the last one.")
        let conditions = runtime.hub.alertConditions().sorted {
            ($0.projectId, $0.rule, $0.severity.rawValue, $0.escalation.rawValue)
                < ($1.projectId, $1.rule, $1.severity.rawValue, $1.escalation.rawValue)
        }
        for condition in conditions {
            active.add(
                [("project", condition.projectId), ("rule", condition.rule), ("severity", condition.severity.rawValue),
                 ("escalation", condition.escalation.rawValue)], 1)
        }
        var last = MetricFamily(
            "jcs_alert_last_raised_timestamp_seconds", .gauge, help: "When the alert engine last raised this alert.")
        for (series, count) in collected.alerts {
            let labels = [("project", series.project), ("rule", series.rule), ("severity", series.severity)]
            total.add(labels, count: count.total)
            last.add(labels, Double(count.lastRaisedAtMs) / 1000)
        }
        var suppressed = MetricFamily(
            "jcs_alerts_suppressed_total", .counter,
            help: "Alerts swallowed by de-duplication (one per condition per 5 minutes goes out).")
        suppressed.add(count: runtime.hub.stats.alertsSuppressed)
        return [total, active, last, suppressed]
    }

    private func telemetryLosses(_ collected: MetricsCollector.Snapshot) -> [MetricFamily] {
        let stats = runtime.hub.stats
        var dropped = MetricFamily(
            "jcs_telemetry_dropped_total", .counter,
            help: "Telemetry lost: events the journal refused, alerts it refused, events a slow subscriber missed.")
        dropped.add([("reason", "store_failure")], count: stats.storeFailures)
        dropped.add([("reason", "alert_store_failure")], count: stats.alertStoreFailures)
        dropped.add([("reason", "subscriber_buffer")], count: stats.subscriberDrops)
        var collapsed = MetricFamily(
            "jcs_tool_label_overflow_total", .counter,
            help: "Tool calls counted under tool=\"other\" because their project already had 64 tool labels.")
        collapsed.add(count: collected.collapsedToolCalls)
        return [dropped, collapsed]
    }
}
