import Sandbox

/// A project's health over a recent window of its current incarnation: `degraded` while at least
/// `threshold` health-degrading errors happened in the last `windowMs` since the project last
/// started, `ok` again once the window passes without them, so a project recovers without anyone
/// resetting it, and a restart (the runbook's recovery step) starts from a clean window. Errors
/// from before the restart stay in `event_counts`, `recent_errors` (marked `before_restart`) and
/// the journal; they no longer make the project degraded.
public struct Health: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok
        case degraded
    }

    /// One kind of degrading event in the window: which, how many, and until when it counts.
    public struct Reason: Sendable, Equatable {
        public var event: String
        public var count: Int
        public var lastAtMs: Int64
        /// When the newest of them leaves the window.
        public var untilMs: Int64

        public var json: JSONValue {
            .object([
                "event": .string(event), "count": .int(Int64(count)),
                "last_at": .string(Timestamp.rfc3339(ms: lastAtMs)), "until": .string(Timestamp.rfc3339(ms: untilMs)),
            ])
        }
    }

    public var status: Status
    public var errorsInWindow: Int
    public var windowMs: Int64
    public var threshold: Int
    /// When the last degrading error was recorded (this incarnation or an earlier one); nil if none ever was.
    public var lastErrorAtMs: Int64?
    /// When the current incarnation started (`project.started`); nil if the hub never saw it start.
    public var incarnationStartedAtMs: Int64?
    /// The degrading events in the window, most frequent first.
    public var reasons: [Reason]

    /// When the project is `ok` again at the latest if nothing else happens: when the newest
    /// degrading error leaves the window. nil while `ok`.
    public var degradedUntilMs: Int64? {
        guard status == .degraded else { return nil }
        return reasons.map(\.untilMs).max()
    }

    /// One line for people: "ok", or "degraded: 2 security.sandbox_violation, 1 tool.timeout in
    /// the last 300 s; ok again at … if nothing else happens".
    public var summary: String {
        guard status == .degraded else {
            return errorsInWindow > 0 ? "ok (\(errorsInWindow) degrading error(s) in the window, threshold \(threshold))" : "ok"
        }
        let list = reasons.map { "\($0.count) \($0.event)" }.joined(separator: ", ")
        let until = degradedUntilMs.map { "; ok again at \(Timestamp.rfc3339(ms: $0)) if nothing else happens" } ?? ""
        return "degraded: \(list) in the last \(windowMs / 1000) s (threshold \(threshold))\(until)"
    }

    public var json: JSONValue {
        .object([
            "status": .string(status.rawValue),
            "errors_in_window": .int(Int64(errorsInWindow)),
            "window_ms": .int(windowMs),
            "threshold": .int(Int64(threshold)),
            "last_error_at": lastErrorAtMs.map { .string(Timestamp.rfc3339(ms: $0)) } ?? .null,
            "incarnation_started_at": incarnationStartedAtMs.map { .string(Timestamp.rfc3339(ms: $0)) } ?? .null,
            "degraded_until": degradedUntilMs.map { .string(Timestamp.rfc3339(ms: $0)) } ?? .null,
            "reasons": .array(reasons.map(\.json)),
            "summary": .string(summary),
        ])
    }
}

/// The state behind `Health`: a sliding count of degrading errors per event name, cleared when
/// the project (re)starts.
public struct HealthWindow: Sendable {
    public let threshold: Int
    public let windowMs: Int64
    /// Event names tracked one by one; further names (the kernel may report kinds added later)
    /// share `other`, so a project's health costs bounded memory.
    static let maximumNames = 32
    static let otherName = "other"

    private var errors: [String: (counter: SlidingCounter, lastAtMs: Int64)] = [:]
    private var lastErrorAtMs: Int64?
    private var incarnationStartedAtMs: Int64?

    /// - Precondition: `threshold >= 1`.
    public init(windowMs: Int64, threshold: Int) {
        precondition(threshold >= 1, "a health threshold below 1 would make every project degraded")
        self.threshold = threshold
        self.windowMs = windowMs
    }

    /// A new incarnation: what happened before no longer degrades it.
    public mutating func restart(at now: Int64) {
        errors = [:]
        incarnationStartedAtMs = now
    }

    public mutating func recordError(_ name: String = "error", at now: Int64) {
        let key = errors[name] != nil || errors.count < Self.maximumNames ? name : Self.otherName
        var entry = errors[key] ?? (SlidingCounter(windowMs: windowMs), now)
        entry.counter.record(at: now)
        entry.lastAtMs = now
        errors[key] = entry
        lastErrorAtMs = now
    }

    public func health(at now: Int64) -> Health {
        var reasons: [Health.Reason] = []
        for (name, entry) in errors {
            let count = entry.counter.count(at: now)
            guard count > 0 else { continue }
            reasons.append(Health.Reason(event: name, count: count, lastAtMs: entry.lastAtMs, untilMs: entry.lastAtMs + windowMs))
        }
        reasons.sort { ($0.count, $1.event) > ($1.count, $0.event) }
        let count = reasons.reduce(0) { $0 + $1.count }
        return Health(
            status: count >= threshold ? .degraded : .ok, errorsInWindow: count, windowMs: windowMs, threshold: threshold,
            lastErrorAtMs: lastErrorAtMs, incarnationStartedAtMs: incarnationStartedAtMs, reasons: reasons)
    }
}
