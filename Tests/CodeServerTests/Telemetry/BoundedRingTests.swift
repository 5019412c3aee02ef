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

struct BoundedRingByteBudgetTests {
    @Test func heavyElementsPushOutTheOldestBeforeTheCountBoundDoes() {
        var ring = BoundedRing<Int>(capacity: 10, byteBudget: 100)
        for i in 1...5 { ring.append(i, bytes: 10) }
        #expect(ring.bytes == 50)
        ring.append(6, bytes: 60)
        #expect(ring.elements == [2, 3, 4, 5, 6])
        #expect(ring.bytes == 100)
        #expect(ring.dropped == 1)
        ring.append(7, bytes: 35)
        #expect(ring.elements == [6, 7])
        #expect(ring.bytes == 95)
        #expect(ring.dropped == 5)
    }

    @Test func anElementHeavierThanTheBudgetIsKeptAlone() {
        var ring = BoundedRing<String>(capacity: 4, byteBudget: 10)
        ring.append("a", bytes: 3)
        ring.append("b", bytes: 3)
        ring.append("huge", bytes: 50)
        #expect(ring.elements == ["huge"])
        #expect(ring.bytes == 50)
        ring.append("c", bytes: 1)
        #expect(ring.elements == ["c"])
        #expect(ring.dropped == 3)
    }

    @Test func growingAfterByteDropsKeepsTheOrderAndLosesNothingUnsaid() {
        // Byte drops move the head before the storage reached capacity; later appends must grow
        // the storage in order instead of overwriting a kept element.
        var ring = BoundedRing<Int>(capacity: 8, byteBudget: 30)
        var expected: [Int] = []
        var expectedBytes: [Int] = []
        var dropped: UInt64 = 0
        for i in 0..<200 {
            let weight = [1, 7, 13, 2, 29, 5][i % 6]
            ring.append(i, bytes: weight)
            expected.append(i)
            expectedBytes.append(weight)
            while expected.count > 8 || (expected.count > 1 && expectedBytes.reduce(0, +) > 30) {
                expected.removeFirst()
                expectedBytes.removeFirst()
                dropped += 1
            }
            #expect(ring.elements == expected, "after \(i)")
            #expect(ring.bytes == expectedBytes.reduce(0, +))
        }
        #expect(ring.dropped == dropped)
        #expect(ring.count == expected.count)
    }
}
