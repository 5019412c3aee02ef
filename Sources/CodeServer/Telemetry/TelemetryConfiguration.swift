/// The hub's bounds and windows; every limit has a default here and is a runtime option upstream.
public struct TelemetryConfiguration: Sendable {
    /// `recent_events` per project.
    public var recentEventsCapacity: Int
    /// `recent_errors` per project.
    public var recentErrorsCapacity: Int
    /// What a project's `recent_events` may hold, in bytes (`RuntimeEvent.footprint`): large
    /// events (a tool's output, a long message) push the oldest out before the count does. The
    /// journal keeps every event whole.
    public var recentEventsBytes: Int
    /// The same for `recent_errors`.
    public var recentErrorsBytes: Int
    /// The window health is computed over; a project is `ok` again this long after its last error.
    public var healthWindowMs: Int64
    /// Degrading errors within the window that make a project `degraded`.
    public var healthErrorThreshold: Int
    /// Events a live subscriber may fall behind by before the oldest unread ones are dropped.
    public var subscriberBufferSize: Int
    public var classifier: EventClassifier
    public var redactor: Redactor

    public init(
        recentEventsCapacity: Int = 200, recentErrorsCapacity: Int = 100, recentEventsBytes: Int = 256 << 10,
        recentErrorsBytes: Int = 128 << 10, healthWindowMs: Int64 = 300_000,
        healthErrorThreshold: Int = 1, subscriberBufferSize: Int = 1024, classifier: EventClassifier = EventClassifier(),
        redactor: Redactor = Redactor()
    ) {
        self.recentEventsCapacity = recentEventsCapacity
        self.recentErrorsCapacity = recentErrorsCapacity
        self.recentEventsBytes = recentEventsBytes
        self.recentErrorsBytes = recentErrorsBytes
        self.healthWindowMs = healthWindowMs
        self.healthErrorThreshold = healthErrorThreshold
        self.subscriberBufferSize = subscriberBufferSize
        self.classifier = classifier
        self.redactor = redactor
    }
}
