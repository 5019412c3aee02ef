/// The runtime's layers (execution runner, projects, conversations) emit through
/// `RuntimeEventSink`, which is non-throwing on purpose; the hub plugs in there. A store failure
/// cannot fail the call that produced the event, so it is counted in `stats.storeFailures`.
extension TelemetryHub: RuntimeEventSink {
    public func emit(_ event: RuntimeEvent) {
        do {
            try emit(TelemetryEvent(event))
        } catch {
            countStoreFailure()
        }
    }
}

extension TelemetryEvent {
    /// The runtime's event, not yet numbered by a hub.
    public init(_ event: RuntimeEvent) {
        self.init(
            name: event.name, projectId: event.projectId, conversationId: event.conversationId,
            correlationId: event.correlationId, atMs: event.atMs, payload: event.payload)
    }
}
