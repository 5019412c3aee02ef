#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Delivers alerts to one sink on a thread of its own, off the emit path: `enqueue` never blocks,
/// a full queue drops the alert and counts it, and failed attempts are retried with exponential
/// backoff when the error says another attempt can help.
///
/// A thread rather than a task: sinks block in `connect`, `poll` and `waitpid`, and a blocked task
/// would hold one of the cooperative pool's few threads (two on this kind of host).
public final class AlertDispatcher: Sendable {
    public struct RetryPolicy: Sendable {
        /// Attempts in all, the first included.
        public var attempts: Int
        public var initialBackoffMs: Int64
        public var maximumBackoffMs: Int64

        public init(attempts: Int = 4, initialBackoffMs: Int64 = 250, maximumBackoffMs: Int64 = 5_000) {
            precondition(attempts >= 1, "a delivery needs at least one attempt")
            self.attempts = attempts
            self.initialBackoffMs = initialBackoffMs
            self.maximumBackoffMs = maximumBackoffMs
        }

        /// Before attempt `n` (2, 3, …): initial × 2^(n-2), capped.
        func backoffMs(beforeAttempt n: Int) -> Int64 {
            min(maximumBackoffMs, initialBackoffMs << Int64(min(n - 2, 20)))
        }
    }

    public struct Stats: Sendable, Equatable {
        public var delivered: UInt64 = 0
        /// Alerts given up on after their last attempt (or a non-retryable error).
        public var failed: UInt64 = 0
        /// Alerts refused by a full queue, or abandoned in it at shutdown.
        public var dropped: UInt64 = 0
        /// Attempts beyond the first.
        public var retries: UInt64 = 0
        public var lastError: AlertDeliveryError?
    }

    /// What the thread and the dispatcher share.
    private final class Core: Sendable {
        let sink: any AlertSink
        let retry: RetryPolicy
        let queue: WorkQueue<Alert>
        let stats = Mutex(Stats())

        init(sink: any AlertSink, retry: RetryPolicy, capacity: Int) {
            self.sink = sink
            self.retry = retry
            queue = WorkQueue(capacity: capacity)
        }

        func run() {
            while let alert = queue.take() {
                deliver(alert)
                queue.done()
            }
        }

        private func deliver(_ alert: Alert) {
            var attempt = 1
            while true {
                do throws(AlertDeliveryError) {
                    try sink.deliver(alert)
                    stats.withLock { $0.delivered += 1 }
                    return
                } catch {
                    stats.withLock { $0.lastError = error }
                    attempt += 1
                    // A closed queue means shutdown: stop waiting out backoffs.
                    guard error.isRetryable, attempt <= retry.attempts,
                          !queue.waitClosed(ms: retry.backoffMs(beforeAttempt: attempt))
                    else {
                        stats.withLock { $0.failed += 1 }
                        return
                    }
                    stats.withLock { $0.retries += 1 }
                }
            }
        }
    }

    private let core: Core
    private let thread: Mutex<pthread_t?>
    public var sinkName: String { core.sink.name }

    /// Starts the delivery thread.
    /// - Parameter capacity: alerts that may wait for delivery; more are dropped and counted.
    public init(sink: any AlertSink, capacity: Int = 256, retry: RetryPolicy = RetryPolicy()) {
        let core = Core(sink: sink, retry: retry, capacity: capacity)
        self.core = core
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { raw in
            let core = Unmanaged<Core>.fromOpaque(raw!).takeRetainedValue()
            core.run()
            return nil
        }, Unmanaged.passRetained(core).toOpaque())
        precondition(rc == 0, "pthread_create for the \(sink.name) alert dispatcher failed: \(rc)")
        thread = Mutex(handle)
    }

    deinit { shutdown() }

    /// Queues `alert` for delivery; never blocks. A full queue drops it (counted in `stats.dropped`).
    public func enqueue(_ alert: Alert) {
        if !core.queue.offer(alert) { core.stats.withLock { $0.dropped += 1 } }
    }

    public var stats: Stats {
        core.stats.withLock { $0 }
    }

    /// Blocks until every queued alert was delivered or given up on, or `timeoutMs` passed.
    @available(*, noasync, message: "blocks the calling thread")
    public func waitUntilIdle(timeoutMs: Int64) -> Bool {
        core.queue.waitUntilIdle(ms: timeoutMs)
    }

    /// Stops the thread: alerts still queued are abandoned (counted as dropped), an attempt in
    /// progress finishes within its sink's time bound, pending backoffs are cut short. Idempotent.
    public func shutdown() {
        let abandoned = core.queue.close()
        if abandoned > 0 { core.stats.withLock { $0.dropped += UInt64(abandoned) } }
        if let handle = thread.withLock({ state in defer { state = nil }; return state }) {
            pthread_join(handle, nil)
        }
    }
}
