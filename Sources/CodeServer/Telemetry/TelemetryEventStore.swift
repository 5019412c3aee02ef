/// Where the hub keeps every emitted (already redacted) event, and where the incident timeline
/// reads a conversation's events back. The in-memory version serves tests and a daemon without a
/// data directory; the durable journal (SQLite) implements the same protocol, so an event the hub
/// acknowledged is one the store accepted.
public protocol TelemetryEventStore: Sendable {
    /// Called by the hub under its lock, in id order, so it must not wait for the disk (the
    /// journal queues it; durability is awaited by whoever acknowledges). A throw makes `emit`
    /// throw, so the caller never believes an event was kept when it was not.
    func append(_ event: TelemetryEvent) throws(TelemetryStoreError)

    /// The project's events of one conversation, in append order.
    func events(project: String, conversation: String) throws(TelemetryStoreError) -> [TelemetryEvent]
}

public enum TelemetryStoreError: Error, Equatable {
    /// The backing store refused or failed the operation; `reason` says what it was doing.
    case unavailable(reason: String)
}
