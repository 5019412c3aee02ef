import Sandbox
import Testing

@testable import CodeServer

/// The hub under concurrent emitters and subscribers that come and go (issue 11, finding 1): it
/// never calls out under its lock, yet every subscriber still sees events in the hub's one order,
/// and a cancelled subscriber is forgotten without its termination handler taking a lock.
struct TelemetryHubConcurrencyTests {
    static let emitters = 4
    static let perEmitter = 500

    @Test func subscribersKeepTheHubsOrderWhileOthersAreCancelledMidStream() async throws {
        let hub = TelemetryHub(configuration: TelemetryConfiguration(subscriberBufferSize: 10_000), clock: ManualClock())
        let reader = hub.subscribe(project: "p1")
        let total = Self.emitters * Self.perEmitter

        let collected = Task { () -> [UInt64] in
            var ids: [UInt64] = []
            for await event in reader {
                ids.append(event.id)
                if ids.count == total { break }
            }
            return ids
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.emitters {
                group.addTask {
                    for _ in 0..<Self.perEmitter {
                        _ = try? hub.emitRecorded(EventSamples.event(.toolStarted))
                    }
                }
            }
            // Followers that subscribe, read a little and are cancelled, while events flow.
            group.addTask {
                for _ in 0..<100 {
                    let stream = hub.subscribe(project: "p1")
                    let follower = Task {
                        for await _ in stream { break }
                    }
                    await Task.yield()
                    follower.cancel()
                    _ = await follower.value
                }
            }
        }
        let ids = await collected.value
        #expect(ids.count == total, "the reader missed events: \(ids.count) of \(total)")
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "a subscriber saw events out of the hub's order")
        // Cancelled subscribers are pruned: only the reader (ended by its break) and none of the 100.
        _ = try hub.emitRecorded(EventSamples.event(.toolStarted))
        #expect(hub.stats.subscribers <= 1, "\(hub.stats.subscribers) subscribers left")
    }
}
