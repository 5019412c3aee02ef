import Synchronization

/// A bounded in-memory `TelemetryEventStore`: it keeps the newest `capacity` events and counts the
/// ones it evicted, so a daemon without a journal cannot grow without limit.
public final class InMemoryTelemetryEventStore: TelemetryEventStore {
    private let ring: Mutex<BoundedRing<TelemetryEvent>>

    public init(capacity: Int = 100_000) {
        ring = Mutex(BoundedRing(capacity: capacity))
    }

    public func append(_ event: TelemetryEvent) {
        ring.withLock { $0.append(event) }
    }

    public func events(project: String, conversation: String) -> [TelemetryEvent] {
        ring.withLock { ring in
            ring.elements.filter { $0.projectId == project && $0.conversationId == conversation }
        }
    }

    /// Events evicted because the store was full.
    public var evicted: UInt64 { ring.withLock { $0.dropped } }
}
