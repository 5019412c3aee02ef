import CodeServer
import Synchronization

/// One collector per hub. The daemon builds a router per listener (the Unix socket, and the TCP
/// port when configured) over the same runtime; both must expose the same numbers, from one
/// subscription, rather than a collector each.
enum MetricsCollectors {
    private struct Entry: Sendable {
        // Weak, so an address reused by a later hub (tests build several) is not taken for it.
        weak var hub: TelemetryHub?
        var collector: MetricsCollector
    }

    private static let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    /// The hub's collector, created and fed from the hub on first use.
    static func collector(for hub: TelemetryHub) -> MetricsCollector {
        entries.withLock { entries in
            let key = ObjectIdentifier(hub)
            if let entry = entries[key], entry.hub === hub { return entry.collector }
            entries = entries.filter { $0.value.hub != nil }
            let collector = MetricsCollector()
            MetricsFeed.start(hub: hub, collector: collector)
            entries[key] = Entry(hub: hub, collector: collector)
            return collector
        }
    }
}
