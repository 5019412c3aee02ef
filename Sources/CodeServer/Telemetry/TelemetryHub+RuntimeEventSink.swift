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

    /// A journal entry's event: stored, counted and delivered like any other (`emitChecked`), with
    /// the store's refusal thrown to the conversation that records it.
    public func emitEntry(_ event: RuntimeEvent) throws(TelemetryStoreError) {
        do {
            try emitChecked(event)
        } catch {
            countStoreFailure()
            throw error
        }
    }

    public func storeEntry(_ event: RuntimeEvent) throws(TelemetryStoreError) -> RuntimeEvent? {
        do {
            return try store(event)
        } catch {
            countStoreFailure()
            throw error
        }
    }

    public func announceEntry(_ stored: RuntimeEvent) { announce(stored) }
}
