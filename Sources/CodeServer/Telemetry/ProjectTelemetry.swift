import Sandbox

/// One project's counters, rings and health window, as the hub keeps them.
struct ProjectTelemetry: Sendable {
    var eventCounts: [String: UInt64] = [:]
    var recentEvents: BoundedRing<TelemetryEvent>
    var recentErrors: BoundedRing<TelemetryEvent>
    var health: HealthWindow

    init(configuration: TelemetryConfiguration) {
        recentEvents = BoundedRing(capacity: configuration.recentEventsCapacity)
        recentErrors = BoundedRing(capacity: configuration.recentErrorsCapacity)
        health = HealthWindow(windowMs: configuration.healthWindowMs, threshold: configuration.healthErrorThreshold)
    }

    mutating func record(_ event: TelemetryEvent, now: Int64, classifier: EventClassifier) {
        eventCounts[event.name.rawValue, default: 0] += 1
        recentEvents.append(event)
        if classifier.isError(event) { recentErrors.append(event) }
        if classifier.degradesHealth(event) { health.recordError(at: now) }
    }

    func snapshot(project: String, now: Int64) -> ProjectTelemetrySnapshot {
        ProjectTelemetrySnapshot(
            projectId: project, eventCounts: eventCounts, recentEvents: recentEvents.elements,
            recentErrors: recentErrors.elements, recentEventsDropped: recentEvents.dropped,
            recentErrorsDropped: recentErrors.dropped, health: health.health(at: now))
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

    /// `{event_counts, recent_events, recent_errors, dropped: {recent_events, recent_errors}}`.
    public var telemetryJSON: JSONValue {
        .object([
            "event_counts": .object(eventCounts.mapValues { .uint($0) }),
            "recent_events": .array(recentEvents.map(\.json)),
            "recent_errors": .array(recentErrors.map(\.json)),
            "dropped": .object([
                "recent_events": .uint(recentEventsDropped), "recent_errors": .uint(recentErrorsDropped),
            ]),
        ])
    }
}
