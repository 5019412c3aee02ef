import Sandbox

/// One project's counters, rings and health window, as the hub keeps them.
struct ProjectTelemetry: Sendable {
    var eventCounts: [String: UInt64] = [:]
    var recentEvents: BoundedRing<TelemetryEvent>
    var recentErrors: BoundedRing<TelemetryEvent>
    var health: HealthWindow
    /// The hub id of the project's latest `project.started`: events before it belong to an
    /// earlier incarnation and are marked `before_restart` where they are shown.
    var incarnationStartId: UInt64 = 0

    init(configuration: TelemetryConfiguration) {
        recentEvents = BoundedRing(capacity: configuration.recentEventsCapacity, byteBudget: configuration.recentEventsBytes)
        recentErrors = BoundedRing(capacity: configuration.recentErrorsCapacity, byteBudget: configuration.recentErrorsBytes)
        health = HealthWindow(windowMs: configuration.healthWindowMs, threshold: configuration.healthErrorThreshold)
    }

    /// - Parameter footprint: `event.footprint`, which the hub works out before it takes its lock.
    mutating func record(_ event: TelemetryEvent, footprint: Int, now: Int64, classifier: EventClassifier) {
        eventCounts[event.name.rawValue, default: 0] += 1
        recentEvents.append(event, bytes: footprint)
        if classifier.isError(event) { recentErrors.append(event, bytes: footprint) }
        if event.name == .projectStarted {
            health.restart(at: now)
            incarnationStartId = event.id
        }
        if classifier.degradesHealth(event) { health.recordError(event.name.rawValue, at: now) }
    }

    func snapshot(project: String, now: Int64) -> ProjectTelemetrySnapshot {
        ProjectTelemetrySnapshot(
            projectId: project, eventCounts: eventCounts, recentEvents: recentEvents.elements,
            recentErrors: recentErrors.elements, recentEventsDropped: recentEvents.dropped,
            recentErrorsDropped: recentErrors.dropped, health: health.health(at: now),
            incarnationStartId: incarnationStartId)
    }
}

/// A consistent copy of one project's telemetry, taken under the hub's lock.
public struct ProjectTelemetrySnapshot: Sendable, Equatable {
    public var projectId: String
    /// Event name → how many the hub recorded for the project.
    public var eventCounts: [String: UInt64]
    /// Oldest first, redacted.
    public var recentEvents: [TelemetryEvent]
    public var recentErrors: [TelemetryEvent]
    public var recentEventsDropped: UInt64
    public var recentErrorsDropped: UInt64
    public var health: Health
    /// See `ProjectTelemetry.incarnationStartId`; 0 when the hub never saw the project start.
    public var incarnationStartId: UInt64 = 0

    /// An event's JSON with `before_restart: true` when it happened before the project's current
    /// incarnation (the runbook's "restart and verify healthy" leaves it visible, not counted).
    public func marked(_ event: TelemetryEvent) -> JSONValue {
        guard event.id < incarnationStartId, var object = event.json.objectValue else { return event.json }
        object["before_restart"] = true
        return .object(object)
    }

    /// `{event_counts, recent_events, recent_errors, dropped: {recent_events, recent_errors}}`.
    public var telemetryJSON: JSONValue {
        .object([
            "event_counts": .object(eventCounts.mapValues { .uint($0) }),
            "recent_events": .array(recentEvents.map(marked)),
            "recent_errors": .array(recentErrors.map(marked)),
            "dropped": .object([
                "recent_events": .uint(recentEventsDropped), "recent_errors": .uint(recentErrorsDropped),
            ]),
        ])
    }
}
