import Sandbox

/// The wall clock the runtime stamps events with and measures its windows on, injected so that
/// windowed logic (repeated-timeout alerts) is tested by moving a manual clock, not by sleeping.
public protocol RuntimeClock: Sendable {
    /// Milliseconds since the Unix epoch.
    func nowMs() -> Int64
}

/// The host's real-time clock.
public struct SystemClock: RuntimeClock {
    public init() {}

    public func nowMs() -> Int64 { Timestamp.nowMs() }
}
