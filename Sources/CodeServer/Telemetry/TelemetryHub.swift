import Sandbox
import Synchronization

/// The coordinator's one telemetry hub: every event goes through `emit`, which redacts it, hands
/// it to the store, counts it, keeps it in the project's rings, updates health, runs the alert
/// rules and passes it to live subscribers; alerts go to their sinks' dispatchers.
///
/// A class with a `Mutex` rather than an actor: `emit` is called from synchronous code (the
/// execution runner's threads, policy decisions) and must neither suspend nor wait for a consumer.
/// One lock gives one order: ids, store appends, rings and subscriber outboxes all see events in
/// the same sequence.
///
/// Lock order (the rule that keeps the daemon from wedging): nothing is called out of the hub's
/// lock — no `yield`, no callback, no I/O except the store's append (the journal's own leaf
/// lock). Under it the hub only appends to subscribers' outboxes (a leaf lock, see
/// `TelemetrySubscriber`); after it is released each touched subscriber's outbox is drained into
/// its stream, and alerts are queued for their dispatchers. A subscription's `onTermination`
/// takes no lock at all (an atomic flag the hub prunes), so task cancellation, which runs it
/// under the task's status lock, can never wait on the hub. Order: hub → journal; hub →
/// subscriber outbox; stream locks only ever with no lock of ours held.
public final class TelemetryHub: Sendable {
    private struct State: Sendable {
        var nextId: UInt64 = 1
        var projects: [String: ProjectTelemetry] = [:]
        var engine: AlertEngine
        var subscribers: [UInt64: TelemetrySubscriber] = [:]
        var nextSubscriber: UInt64 = 1
        var alertStoreFailures: UInt64 = 0
        var storeFailures: UInt64 = 0
        var redactionDrops: UInt64 = 0
    }

    private let configuration: TelemetryConfiguration
    private let clock: any RuntimeClock
    private let store: any TelemetryEventStore
    private let dispatchers: [AlertDispatcher]
    private let state: Mutex<State>
    /// Counted by drainers, outside the hub's lock.
    private let subscriberDrops = Atomic<UInt64>(0)

    public init(
        configuration: TelemetryConfiguration = TelemetryConfiguration(), clock: any RuntimeClock = SystemClock(),
        store: any TelemetryEventStore = InMemoryTelemetryEventStore(), alertEngine: AlertEngine = AlertEngine(),
        dispatchers: [AlertDispatcher] = []
    ) {
        self.configuration = configuration
        self.clock = clock
        self.store = store
        self.dispatchers = dispatchers
        state = Mutex(State(engine: alertEngine))
    }

    /// What one `emit` did: the event as recorded (redacted, with its id) and the alerts it raised.
    public struct Emitted: Sendable {
        public var event: RuntimeEvent
        public var alerts: [Alert]
    }

    /// Records `event`; throws only when the store did not accept it, in which case nothing else
    /// (counts, rings, rules, subscribers) saw it either. An event whose redacted payload no
    /// longer reads as its kind is dropped and counted (`stats.redactionDrops`): nil.
    @discardableResult
    public func emitChecked(_ event: RuntimeEvent) throws(TelemetryStoreError) -> Emitted? {
        guard let redacted = redactedOrCounted(event) else { return nil }
        let now = clock.nowMs()
        let footprint = redacted.footprint
        var touched: [UInt64: TelemetrySubscriber] = [:]
        let emitted = try state.withLock { state throws(TelemetryStoreError) -> Emitted in
            let recorded = try stored(redacted, in: &state)
            return Emitted(
                event: recorded, alerts: observe(recorded, footprint: footprint, now: now, in: &state, touched: &touched))
        }
        deliver(emitted, touched: touched)
        return emitted
    }

    /// `emitChecked`'s first half, for an event that must be durable before anyone sees it (an
    /// agent's journal entry: a follower that saw the answer finds it after a crash): redacted,
    /// numbered and handed to the store; nothing else sees it until `announce`. Nil when
    /// redaction dropped it (counted).
    public func store(_ event: RuntimeEvent) throws(TelemetryStoreError) -> RuntimeEvent? {
        guard let redacted = redactedOrCounted(event) else { return nil }
        return try state.withLock { state throws(TelemetryStoreError) -> RuntimeEvent in try stored(redacted, in: &state) }
    }

    /// `emitChecked`'s second half for an event `store` returned: counts, rings, health, alert
    /// rules and subscribers see it now.
    public func announce(_ recorded: RuntimeEvent) {
        let now = clock.nowMs()
        let footprint = recorded.footprint
        var touched: [UInt64: TelemetrySubscriber] = [:]
        let emitted = state.withLock { state -> Emitted in
            Emitted(event: recorded, alerts: observe(recorded, footprint: footprint, now: now, in: &state, touched: &touched))
        }
        deliver(emitted, touched: touched)
    }

    private func redactedOrCounted(_ event: RuntimeEvent) -> RuntimeEvent? {
        guard let redacted = configuration.redactor.redact(event) else {
            state.withLock { $0.redactionDrops += 1 }
            return nil
        }
        return redacted
    }

    /// Numbers the event and appends it to the store, under the lock.
    private func stored(_ redacted: RuntimeEvent, in state: inout State) throws(TelemetryStoreError) -> RuntimeEvent {
        var recorded = redacted
        recorded.id = state.nextId
        try store.append(recorded)
        state.nextId += 1
        return recorded
    }

    /// Everything but the store sees a recorded event, under the lock; returns the alerts it raised.
    private func observe(
        _ recorded: RuntimeEvent, footprint: Int, now: Int64, in state: inout State,
        touched: inout [UInt64: TelemetrySubscriber]
    ) -> [Alert] {
        record(recorded, footprint: footprint, now: now, in: &state, touched: &touched)
        learnEgressPolicy(from: recorded, in: &state)
        let alerts = state.engine.observe(recorded, now: now)
        for alert in alerts {
            var alertEvent = alert.event
            alertEvent.id = state.nextId
            do {
                try store.append(alertEvent)
                state.nextId += 1
                record(alertEvent, footprint: alertEvent.footprint, now: now, in: &state, touched: &touched)
            } catch {
                // The alert still reaches its sinks; the failure is counted for diagnostics.
                state.alertStoreFailures += 1
            }
        }
        return alerts
    }

    /// The alert rules learn a project's egress policy from its start, so a network denial in a
    /// project whose egress is enabled pages (the runbook's rule) without whoever composes the
    /// engine having to remember to say so. Under the lock.
    private func learnEgressPolicy(from event: RuntimeEvent, in state: inout State) {
        guard case .projectStarted(let started) = event.payload else { return }
        if started.networkEgressPolicy == .allow {
            state.engine.context.egressEnabledProjects.insert(event.projectId)
        } else {
            state.engine.context.egressEnabledProjects.remove(event.projectId)
        }
    }

    /// Outside the lock: the only place subscribers' streams are yielded to.
    private func deliver(_ emitted: Emitted, touched: [UInt64: TelemetrySubscriber]) {
        for subscriber in touched.values {
            let dropped = subscriber.drain()
            if dropped > 0 { subscriberDrops.add(dropped, ordering: .relaxed) }
        }
        for alert in emitted.alerts {
            for dispatcher in dispatchers { dispatcher.enqueue(alert) }
        }
    }

    private func record(
        _ event: RuntimeEvent, footprint: Int, now: Int64, in state: inout State,
        touched: inout [UInt64: TelemetrySubscriber]
    ) {
        state.projects[event.projectId, default: ProjectTelemetry(configuration: configuration)]
            .record(event, footprint: footprint, now: now, classifier: configuration.classifier)
        for (id, subscriber) in state.subscribers where subscriber.wants(event) {
            if subscriber.terminated.load(ordering: .acquiring) {
                state.subscribers[id] = nil
                continue
            }
            subscriber.enqueue(event)
            touched[id] = subscriber
        }
    }

    /// Events as they are emitted from now on (redacted), for one project or all. The stream keeps
    /// the newest `subscriberBufferSize` unread events and drops older ones, counted in
    /// `stats.subscriberDrops`; ending the consuming task unsubscribes (the hub forgets the
    /// subscriber on its next emit).
    public func subscribe(project: String? = nil) -> AsyncStream<RuntimeEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: RuntimeEvent.self, bufferingPolicy: .bufferingNewest(configuration.subscriberBufferSize))
        let subscriber = TelemetrySubscriber(
            project: project, continuation: continuation, capacity: configuration.subscriberBufferSize)
        // Set before the subscriber is published, and lock-free: see the type's lock order.
        continuation.onTermination = { _ in subscriber.terminated.store(true, ordering: .releasing) }
        state.withLock { state in
            // Followers of a quiet project are never pruned by `emit`; do it here too.
            state.subscribers = state.subscribers.filter { !$0.value.terminated.load(ordering: .acquiring) }
            defer { state.nextSubscriber += 1 }
            state.subscribers[state.nextSubscriber] = subscriber
        }
        return stream
    }

    /// Rebuilds what the runbook reads after a restart from the journal instead of starting from
    /// zero: `recent` (oldest first, the journal's newest events within the longest window) goes
    /// through the rings, health windows and alert rules again, with the alerts it would raise
    /// discarded (they were raised, and journaled, the first time); `counts` then replaces the
    /// per-project totals, which cover the whole journal. Nothing reaches the store or subscribers.
    public func restore(counts: [String: [String: UInt64]], recent: [RuntimeEvent]) {
        var touched: [UInt64: TelemetrySubscriber] = [:]
        state.withLock { state in
            let subscribers = state.subscribers
            state.subscribers = [:]
            for var event in recent {
                event.id = state.nextId
                state.nextId += 1
                learnEgressPolicy(from: event, in: &state)
                record(event, footprint: event.footprint, now: event.atMs, in: &state, touched: &touched)
                _ = state.engine.observe(event, now: event.atMs)
            }
            for (project, totals) in counts {
                state.projects[project, default: ProjectTelemetry(configuration: configuration)].eventCounts = totals
            }
            state.subscribers = subscribers
        }
    }

    /// Tells the alert rules whether a project's egress policy is enabled (network denials there page).
    public func setEgressEnabled(_ enabled: Bool, project: String) {
        state.withLock { state in
            if enabled {
                state.engine.context.egressEnabledProjects.insert(project)
            } else {
                state.engine.context.egressEnabledProjects.remove(project)
            }
        }
    }

    /// The project's counters, rings and health now; empty for a project never seen.
    public func snapshot(project: String) -> ProjectTelemetrySnapshot {
        let now = clock.nowMs()
        return state.withLock { state in
            (state.projects[project] ?? ProjectTelemetry(configuration: configuration)).snapshot(project: project, now: now)
        }
    }

    public func health(project: String) -> Health { snapshot(project: project).health }

    /// The alert conditions that hold now, with the thresholds the engine fires on (`/metrics`'
    /// `jcs_alerts_active`).
    public func alertConditions() -> [AlertCondition] {
        let now = clock.nowMs()
        return state.withLock { $0.engine.conditions(now: now) }
    }

    /// For emitters that cannot throw (`RuntimeEventSink`): the event was lost to a store failure.
    func countStoreFailure() {
        state.withLock { $0.storeFailures += 1 }
    }

    /// Counters about the hub itself.
    public struct Stats: Sendable, Equatable {
        public var subscribers: Int
        public var subscriberDrops: UInt64
        public var alertsSuppressed: UInt64
        public var alertStoreFailures: UInt64
        /// Events lost because the store refused them and the emitter could not be told.
        public var storeFailures: UInt64
        /// Events dropped because redaction replaced a typed member (see `Redactor.redact(_:)`).
        public var redactionDrops: UInt64
    }

    public var stats: Stats {
        let drops = subscriberDrops.load(ordering: .relaxed)
        return state.withLock { state in
            Stats(
                subscribers: state.subscribers.values.count { !$0.terminated.load(ordering: .acquiring) },
                subscriberDrops: drops,
                alertsSuppressed: state.engine.suppressedTotal, alertStoreFailures: state.alertStoreFailures,
                storeFailures: state.storeFailures, redactionDrops: state.redactionDrops)
        }
    }
}
