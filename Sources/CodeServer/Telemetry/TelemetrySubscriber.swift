import Synchronization

/// One live subscriber of the hub: its filter, its stream's continuation, and an ordered outbox
/// the hub fills under its own lock and that is emptied into the stream outside every lock.
///
/// Why an outbox rather than yielding under the hub's lock: `AsyncStream`'s `yield` takes the
/// stream's lock, and a consuming task's cancellation holds the task's status lock while it runs
/// the stream's `onTermination`. Any lock taken in either path (the hub's, in the old design)
/// closes a cycle — hub → stream on emit, task status → stream → hub on cancel — and one
/// disconnected follower wedged the whole daemon. So:
/// - the hub only appends to `outbox` under its lock (the outbox lock is a leaf: nothing is called
///   while it is held), which keeps every subscriber's events in the hub's one order;
/// - `drain` yields outside every lock, one drainer at a time (`draining`), so two emitters
///   never interleave one subscriber's events out of order;
/// - `onTermination` only sets the atomic `terminated`; the hub prunes such entries on its next
///   emit. Nothing on the cancellation path takes a lock of ours.
final class TelemetrySubscriber: Sendable {
    let project: String?
    private let continuation: AsyncStream<TelemetryEvent>.Continuation
    private let capacity: Int
    let terminated = Atomic<Bool>(false)

    private struct Outbox {
        var events: [TelemetryEvent] = []
        var draining = false
        /// Events pushed out of a full outbox (the consumer could not even be yielded to in time).
        var dropped: UInt64 = 0
    }

    private let outbox = Mutex(Outbox())

    init(project: String?, continuation: AsyncStream<TelemetryEvent>.Continuation, capacity: Int) {
        self.project = project
        self.continuation = continuation
        self.capacity = max(1, capacity)
    }

    func wants(_ event: TelemetryEvent) -> Bool {
        project == nil || project == event.projectId
    }

    /// Called under the hub's lock: queues `event` and never calls out.
    func enqueue(_ event: TelemetryEvent) {
        outbox.withLock { outbox in
            outbox.events.append(event)
            if outbox.events.count > capacity {
                outbox.events.removeFirst(outbox.events.count - capacity)
                outbox.dropped += 1
            }
        }
    }

    /// Called with no lock held: hands the queued events to the stream in order. Returns how many
    /// the stream dropped (its own bounded buffer was full) plus those the outbox pushed out.
    /// When another thread is draining already it returns at once: that drainer re-checks the
    /// outbox under its lock before it stops, so nothing queued is stranded.
    func drain() -> UInt64 {
        var dropped: UInt64 = 0
        var batch: [TelemetryEvent] = outbox.withLock { outbox in
            guard !outbox.draining, !outbox.events.isEmpty else { return [] }
            outbox.draining = true
            return take(&outbox, dropped: &dropped)
        }
        while !batch.isEmpty {
            for event in batch {
                switch continuation.yield(event) {
                case .enqueued: break
                case .dropped: dropped += 1
                case .terminated: terminated.store(true, ordering: .releasing)
                @unknown default: break
                }
            }
            batch = outbox.withLock { outbox in
                let next = take(&outbox, dropped: &dropped)
                if next.isEmpty { outbox.draining = false }
                return next
            }
        }
        return dropped
    }

    private func take(_ outbox: inout Outbox, dropped: inout UInt64) -> [TelemetryEvent] {
        dropped += outbox.dropped
        outbox.dropped = 0
        let events = outbox.events
        outbox.events = []
        return events
    }
}
