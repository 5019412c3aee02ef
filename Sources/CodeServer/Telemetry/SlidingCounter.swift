/// Counts occurrences in the last `windowMs` milliseconds with fixed memory: one slot per bucket of
/// `bucketMs`, so a rule over a busy project costs the same as one over an idle project.
///
/// An occurrence recorded at `t` stays counted while `bucket(now) - bucket(t) < windowMs / bucketMs`.
/// With the default 1 s buckets and times on whole seconds, that is exactly "in the half-open
/// window (now - windowMs, now]"; otherwise the window's edge is rounded to the bucket.
public struct SlidingCounter: Sendable {
    public let windowMs: Int64
    public let bucketMs: Int64
    private var slots: [(bucket: Int64, count: Int)]

    /// - Precondition: `bucketMs > 0` and `windowMs` a positive multiple of it.
    public init(windowMs: Int64, bucketMs: Int64 = 1000) {
        precondition(bucketMs > 0 && windowMs >= bucketMs && windowMs % bucketMs == 0,
                     "windowMs must be a positive multiple of bucketMs")
        self.windowMs = windowMs
        self.bucketMs = bucketMs
        slots = Array(repeating: (bucket: Int64.min, count: 0), count: Int(windowMs / bucketMs))
    }

    private func bucket(_ ms: Int64) -> Int64 { ms >= 0 ? ms / bucketMs : (ms - bucketMs + 1) / bucketMs }

    private func slot(_ bucket: Int64) -> Int {
        let n = Int64(slots.count)
        return Int(((bucket % n) + n) % n)
    }

    public mutating func record(at ms: Int64, count: Int = 1) {
        let b = bucket(ms)
        let i = slot(b)
        if slots[i].bucket == b {
            slots[i].count += count
        } else {
            slots[i] = (b, count)
        }
    }

    /// Occurrences still inside the window that ends at `now`.
    public func count(at now: Int64) -> Int {
        count(at: now, withinLastMs: windowMs)
    }

    /// Occurrences in the last `spanMs` (at most the window) ending at `now`: a rule that compares
    /// the recent part of its window with the rest (a baseline) asks for both from one counter.
    public func count(at now: Int64, withinLastMs spanMs: Int64) -> Int {
        let current = bucket(now)
        let span = min(Int64(slots.count), max(spanMs / bucketMs, 1))
        var total = 0
        for slot in slots where slot.bucket <= current && slot.bucket > current - span {
            total += slot.count
        }
        return total
    }
}
