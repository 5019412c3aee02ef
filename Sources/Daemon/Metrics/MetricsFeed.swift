import CodeServer

/// Feeds every event the hub emits to a collector, from the moment `start` returns until the
/// process ends.
///
/// A hub subscription rather than a sink in the engine's path: the daemon composes the engine
/// before the router, and the subscription keeps the collector off the emit path entirely. The
/// price is the subscription's bounded buffer: a burst beyond it loses events for the histogram
/// and limit counters (counted in `jcs_telemetry_dropped_total{reason="subscriber_buffer"}`);
/// `jcs_events_total` comes from the hub's own counts and loses nothing.
enum MetricsFeed {
    static func start(hub: TelemetryHub, collector: MetricsCollector) {
        // Subscribed here, synchronously, so nothing emitted after the router exists is missed.
        let events = hub.subscribe()
        // At the default priority, not `.utility`: why in `PreparePriority`.
        Task.detached {
            for await event in events {
                collector.observe(event)
            }
        }
    }
}
