import Sandbox
import Synchronization

/// Where runtime events go. Synchronous and non-throwing on purpose: an actor emits while it
/// holds its invariants, without a suspension point in which another call could interleave, and a
/// sink that fails must not fail the call that produced the event.
///
/// - Important: `emit` is called from actors and from worker threads, so it must not wait on
///   anything a caller might hold. The telemetry hub over the durable journal only queues the
///   event for the journal's writer (`Store/JournalWriter.swift`), which commits every project's
///   queued writes in one transaction; whoever acknowledges (the daemon, before its answer) waits
///   for that commit, so a crash loses nothing that was acknowledged and emits share fsyncs.
public protocol RuntimeEventSink: Sendable {
    func emit(_ event: RuntimeEvent)

    /// `emit` for an event that is also a conversation's journal entry (`entrySequence` set): the
    /// conversation counts a refusal (`journal_store_failures`) instead of losing it silently.
    /// Sinks without a store have nothing to refuse: the default emits.
    func emitEntry(_ event: RuntimeEvent) throws(TelemetryStoreError)

    /// `emitEntry` in two steps, for an entry nobody may see before it is durable (an agent's
    /// answer): `storeEntry` hands it to the store only, and returns what `announceEntry` then
    /// delivers; nil when nothing is to be announced. The caller awaits the store between them.
    func storeEntry(_ event: RuntimeEvent) throws(TelemetryStoreError) -> RuntimeEvent?
    func announceEntry(_ stored: RuntimeEvent)
}

extension RuntimeEventSink {
    public func emitEntry(_ event: RuntimeEvent) throws(TelemetryStoreError) { emit(event) }

    /// Sinks without a store keep nothing at this step: the event is emitted when announced.
    public func storeEntry(_ event: RuntimeEvent) throws(TelemetryStoreError) -> RuntimeEvent? { event }
    public func announceEntry(_ stored: RuntimeEvent) { emit(stored) }
}

/// A sink that keeps every event in memory, in emission order: the journal of tests and of
/// embedders that have no telemetry hub yet. Bounded by `capacity`: the oldest events are dropped
/// first, and `droppedCount` says how many.
public final class RuntimeEventRecorder: RuntimeEventSink {
    private struct Storage {
        var events: [RuntimeEvent] = []
        var dropped = 0
    }

    public let capacity: Int
    private let storage = Mutex(Storage())

    public init(capacity: Int = 100_000) {
        precondition(capacity > 0, "a recorder keeps at least one event")
        self.capacity = capacity
    }

    public func emit(_ event: RuntimeEvent) {
        storage.withLock { storage in
            if storage.events.count == capacity {
                storage.events.removeFirst()
                storage.dropped += 1
            }
            storage.events.append(event)
        }
    }

    public var events: [RuntimeEvent] { storage.withLock { $0.events } }

    public var droppedCount: Int { storage.withLock { $0.dropped } }

    public func events(named name: EventKind) -> [RuntimeEvent] { events.filter { $0.name == name } }
}

/// Fans one event out to several sinks, in order.
public struct RuntimeEventFanOut: RuntimeEventSink {
    public let sinks: [any RuntimeEventSink]

    public init(_ sinks: [any RuntimeEventSink]) { self.sinks = sinks }

    public func emit(_ event: RuntimeEvent) {
        for sink in sinks { sink.emit(event) }
    }

    /// Every sink gets the event; the first refusal is thrown after all were tried.
    public func emitEntry(_ event: RuntimeEvent) throws(TelemetryStoreError) {
        var refusal: TelemetryStoreError?
        for sink in sinks {
            do {
                try sink.emitEntry(event)
            } catch {
                refusal = refusal ?? error
            }
        }
        if let refusal { throw refusal }
    }
}
