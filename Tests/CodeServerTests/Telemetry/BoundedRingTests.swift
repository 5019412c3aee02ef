import Testing

@testable import CodeServer

struct BoundedRingTests {
    @Test func keepsTheNewestElementsAndCountsWhatItDropped() {
        var ring = BoundedRing<Int>(capacity: 3)
        for i in 1...7 { ring.append(i) }
        #expect(ring.elements == [5, 6, 7])
        #expect(ring.count == 3)
        #expect(ring.dropped == 4)
    }

    @Test func belowCapacityNothingIsDropped() {
        var ring = BoundedRing<String>(capacity: 5)
        ring.append("a")
        ring.append("b")
        #expect(ring.elements == ["a", "b"])
        #expect(ring.dropped == 0)
    }

    @Test func zeroCapacityKeepsNothingAndCountsEveryAppend() {
        var ring = BoundedRing<Int>(capacity: 0)
        ring.append(1)
        ring.append(2)
        #expect(ring.isEmpty)
        #expect(ring.dropped == 2)
    }
}

struct SlidingCounterTests {
    @Test func countsOnlyInsideTheWindow() {
        var counter = SlidingCounter(windowMs: 10_000)
        counter.record(at: 1_000)
        counter.record(at: 5_000)
        #expect(counter.count(at: 5_000) == 2)
        #expect(counter.count(at: 10_999) == 2)
        #expect(counter.count(at: 11_000) == 1)
        #expect(counter.count(at: 15_000) == 0)
    }

    @Test func reusedSlotsForgetOldBuckets() {
        var counter = SlidingCounter(windowMs: 3_000)
        counter.record(at: 0)
        counter.record(at: 3_000)
        #expect(counter.count(at: 3_000) == 1)
    }

    @Test func countsTheRecentPartSeparately() {
        var counter = SlidingCounter(windowMs: 10_000)
        counter.record(at: 1_000)
        counter.record(at: 8_000)
        #expect(counter.count(at: 9_000, withinLastMs: 2_000) == 1)
        #expect(counter.count(at: 9_000) == 2)
    }
}
