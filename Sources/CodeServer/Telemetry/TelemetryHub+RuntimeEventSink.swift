/// The runtime's layers (execution runner, projects, conversations) emit through
/// `RuntimeEventSink`, which is non-throwing on purpose; the hub plugs in there. A store failure
/// cannot fail the call that produced the event, so it is counted in `stats.storeFailures`.
extension TelemetryHub: RuntimeEventSink {
    public func emit(_ event: RuntimeEvent) {
        do {
            try emitChecked(event)
        } catch {
            countStoreFailure()
        }
    }
}
