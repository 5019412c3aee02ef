import Logging
import Synchronization

/// Refusal log lines, rate-limited: in each `windowSeconds` the first `burst` refusals are logged
/// one by one (an operator sees who and why), the rest are only counted per event and reason and
/// logged as one `daemon.refusals_suppressed` line when the window closes. A client sending
/// 20,000 refused requests a second costs a few lines, not megabytes of log.
final class RefusalLog: Sendable {
    let burst: Int
    let windowSeconds: Int64

    private struct State {
        var windowStart: Int64 = 0
        var logged = 0
        var suppressed: [String: Int] = [:]
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger, burst: Int = 20, windowSeconds: Int64 = 10) {
        self.logger = logger
        self.burst = burst
        self.windowSeconds = windowSeconds
    }

    /// Logs the refusal now or counts it. The logging itself happens outside the lock.
    func refused(event: String, reason: String, message: Logger.Message, metadata: Logger.Metadata) {
        let now = Self.nowSeconds()
        let (logNow, closed) = state.withLock { state -> (Bool, [String: Int]) in
            var closed: [String: Int] = [:]
            if now - state.windowStart >= windowSeconds {
                closed = state.suppressed
                state = State(windowStart: now)
            }
            if state.logged < burst {
                state.logged += 1
                return (true, closed)
            }
            state.suppressed["\(event) \(reason)", default: 0] += 1
            return (false, closed)
        }
        report(closed)
        if logNow { logger.warning(message, metadata: metadata) }
    }

    /// Logs what the window counted so far (called periodically and at shutdown).
    func flush() {
        let closed = state.withLock { state -> [String: Int] in
            defer { state.suppressed = [:] }
            return state.suppressed
        }
        report(closed)
    }

    private func report(_ counts: [String: Int]) {
        guard !counts.isEmpty else { return }
        logger.warning(
            "refusals not logged one by one",
            metadata: [
                "event": "daemon.refusals_suppressed",
                "counts": "\(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))",
                "total": "\(counts.values.reduce(0, +))",
            ])
    }

    private static func nowSeconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec)
    }
}

#if canImport(Glibc)
import Glibc
#endif
