import Testing

@testable import CodeServer

struct DebouncerTests {
    @Test func aBatchIsReleasedAfterTheQuietPeriodNotBefore() {
        var d = Debouncer<String>(quietMs: 250, maxWaitMs: 2000)
        d.add(["a"], nowMs: 1000)
        #expect(d.deadlineMs == 1250)
        #expect(d.release(nowMs: 1249) == nil)
        #expect(d.release(nowMs: 1250) == ["a"])
        #expect(d.deadlineMs == nil)
        #expect(d.release(nowMs: 5000) == nil)
    }

    @Test func changesDuringTheQuietPeriodExtendItAndMerge() {
        var d = Debouncer<String>(quietMs: 250, maxWaitMs: 2000)
        d.add(["a"], nowMs: 0)
        d.add(["b", "a"], nowMs: 200)
        #expect(d.release(nowMs: 250) == nil)
        #expect(d.release(nowMs: 450) == ["a", "b"])
    }

    @Test func aChangeThatNeverStopsStillReleasesAtTheMaximumWait() {
        var d = Debouncer<Int>(quietMs: 250, maxWaitMs: 1000)
        var released: [Set<Int>] = []
        // A write every 100 ms for 3 s: never quiet for 250 ms.
        for t in stride(from: Int64(0), through: 3000, by: 100) {
            d.add([Int(t)], nowMs: t)
            if let batch = d.release(nowMs: t) { released.append(batch) }
        }
        // Released at 1000 ms and 2100 ms (each 1000 ms after its first change), 11 writes each.
        #expect(released.map(\.count) == [11, 11])
        // The rest: first change at 2200 ms, so at the latest 3200 ms.
        #expect(d.release(nowMs: 3199) == nil)
        #expect(d.release(nowMs: 3200)?.count == 9)
    }

    @Test func emptyChangesDoNotStartABatch() {
        var d = Debouncer<String>(quietMs: 10, maxWaitMs: 10)
        d.add([], nowMs: 0)
        #expect(d.deadlineMs == nil)
    }
}
