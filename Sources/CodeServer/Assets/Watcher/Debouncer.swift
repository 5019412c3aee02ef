/// Turns a stream of file changes into few reloads: a batch is released once the tree has been
/// quiet for `quietMs`, or at the latest `maxWaitMs` after its first change, so an editor's
/// burst of writes becomes one reload and a tool that writes forever still gets reloads.
///
/// A pure state machine over times the caller passes in (tests drive it with a manual clock).
public struct Debouncer<Change: Hashable & Sendable>: Sendable {
    public let quietMs: Int64
    public let maxWaitMs: Int64
    private var pending: Set<Change> = []
    private var firstAt: Int64?
    private var lastAt: Int64?

    public init(quietMs: Int64, maxWaitMs: Int64) {
        precondition(quietMs >= 0 && maxWaitMs >= quietMs, "maxWaitMs must be at least quietMs")
        self.quietMs = quietMs
        self.maxWaitMs = maxWaitMs
    }

    /// Records changes seen at `nowMs`.
    public mutating func add(_ changes: Set<Change>, nowMs: Int64) {
        guard !changes.isEmpty else { return }
        pending.formUnion(changes)
        if firstAt == nil { firstAt = nowMs }
        lastAt = nowMs
    }

    /// When the caller should next call `release`: nil while nothing is pending.
    public var deadlineMs: Int64? {
        guard let firstAt, let lastAt else { return nil }
        return min(lastAt + quietMs, firstAt + maxWaitMs)
    }

    /// The batch, if its deadline has come; it is then forgotten.
    public mutating func release(nowMs: Int64) -> Set<Change>? {
        guard let deadline = deadlineMs, nowMs >= deadline else { return nil }
        let batch = pending
        pending = []
        firstAt = nil
        lastAt = nil
        return batch
    }
}
