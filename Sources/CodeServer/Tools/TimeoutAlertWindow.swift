/// Counts timeouts per tool over a sliding window and says when one tool reached
/// `tool_timeout_alert_threshold` timeouts within `tool_timeout_alert_window_ms`.
///
/// Pure: the caller passes the time from its injected clock. After an alert the tool's count
/// starts over, so a stuck tool raises one alert per `threshold` timeouts, not one per timeout.
struct TimeoutAlertWindow: Sendable, Equatable {
    let threshold: Int
    let windowMs: Int64
    private var timeouts: [String: [Int64]] = [:]

    init(threshold: Int, windowMs: Int) {
        precondition(threshold >= 1 && windowMs >= 1, "threshold and window are at least 1")
        self.threshold = threshold
        self.windowMs = Int64(windowMs)
    }

    /// Records a timeout of `tool` at `atMs`; returns the number of timeouts in the window when
    /// that reaches the threshold, nil otherwise. A timeout exactly `windowMs` old has left it.
    mutating func record(tool: String, atMs: Int64) -> Int? {
        var recent = timeouts[tool, default: []].filter { atMs - $0 < windowMs }
        recent.append(atMs)
        guard recent.count >= threshold else {
            timeouts[tool] = recent
            return nil
        }
        timeouts[tool] = nil
        return recent.count
    }
}
