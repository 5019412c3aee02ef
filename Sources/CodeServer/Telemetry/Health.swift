import Sandbox

/// A project's health over a recent window: `degraded` while at least `threshold` health-degrading
/// errors happened in the last `windowMs`, `ok` again once the window passes without them, so a
/// project recovers without anyone resetting it.
public struct Health: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok
        case degraded
    }

    public var status: Status
    public var errorsInWindow: Int
    public var windowMs: Int64
    /// When the last degrading error was recorded; nil if none ever was.
    public var lastErrorAtMs: Int64?

    public var json: JSONValue {
        .object([
            "status": .string(status.rawValue),
            "errors_in_window": .int(Int64(errorsInWindow)),
            "window_ms": .int(windowMs),
            "last_error_at": lastErrorAtMs.map { .string(Timestamp.rfc3339(ms: $0)) } ?? .null,
        ])
    }
}

/// The state behind `Health`: a sliding count of degrading errors.
public struct HealthWindow: Sendable {
    public let threshold: Int
    private var errors: SlidingCounter
    private var lastErrorAtMs: Int64?

    /// - Precondition: `threshold >= 1`.
    public init(windowMs: Int64, threshold: Int) {
        precondition(threshold >= 1, "a health threshold below 1 would make every project degraded")
        self.threshold = threshold
        errors = SlidingCounter(windowMs: windowMs)
    }

    public mutating func recordError(at now: Int64) {
        errors.record(at: now)
        lastErrorAtMs = now
    }

    public func health(at now: Int64) -> Health {
        let count = errors.count(at: now)
        return Health(
            status: count >= threshold ? .degraded : .ok, errorsInWindow: count, windowMs: errors.windowMs,
            lastErrorAtMs: lastErrorAtMs)
    }
}
