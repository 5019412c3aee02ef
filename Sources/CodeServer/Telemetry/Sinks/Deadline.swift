import Sandbox

/// A point on the monotonic clock that bounds a whole delivery attempt (connect, send, receive),
/// so each step waits only for what is left rather than a fresh timeout of its own.
struct Deadline: Sendable {
    private let atNs: UInt64

    init(afterMs ms: Int64) {
        atNs = Timestamp.monotonicNs() + UInt64(max(ms, 0)) * 1_000_000
    }

    /// Milliseconds left, 0 once passed; rounded up so a poll never spins on a zero timeout early.
    func remainingMs() -> Int32 {
        let now = Timestamp.monotonicNs()
        guard now < atNs else { return 0 }
        return Int32(clamping: (atNs - now + 999_999) / 1_000_000)
    }
}
