/// The hub's bounds and windows; every limit has a default here and is a runtime option upstream.
public struct TelemetryConfiguration: Sendable {
    /// `recent_events` per project.
    public var recentEventsCapacity: Int
    /// `recent_errors` per project.
    public var recentErrorsCapacity: Int
    /// The window health is computed over; a project is `ok` again this long after its last error.
    public var healthWindowMs: Int64
    /// Degrading errors within the window that make a project `degraded`.
    public var healthErrorThreshold: Int
    /// Events a live subscriber may fall behind by before the oldest unread ones are dropped.
    public var subscriberBufferSize: Int
    public var classifier: EventClassifier
    public var redactor: Redactor

    public init(
        recentEventsCapacity: Int = 200, recentErrorsCapacity: Int = 100, healthWindowMs: Int64 = 300_000,
        healthErrorThreshold: Int = 1, subscriberBufferSize: Int = 1024, classifier: EventClassifier = EventClassifier(),
        redactor: Redactor = Redactor()
    ) {
        self.recentEventsCapacity = recentEventsCapacity
        self.recentErrorsCapacity = recentErrorsCapacity
        self.healthWindowMs = healthWindowMs
        self.healthErrorThreshold = healthErrorThreshold
        self.subscriberBufferSize = subscriberBufferSize
        self.classifier = classifier
        self.redactor = redactor
    }
}
