/// A FIFO bounded by a count and, optionally, by the bytes its elements weigh: appending past
/// either bound drops the oldest elements, and the ring counts what it dropped, so "recent" lists
/// stay bounded and the loss is visible rather than silent.
///
/// Invariants: `count <= capacity`; with a byte budget, the elements' weights sum to at most
/// `byteBudget`, except that the newest element is always kept (one element heavier than the
/// whole budget replaces everything else instead of being refused).
public struct BoundedRing<Element> {
    public let capacity: Int
    /// Nil: bounded by `capacity` only.
    public let byteBudget: Int?
    /// Oldest first from `head`, wrapping; `nil` slots are free.
    private var slots: [(element: Element, bytes: Int)?] = []
    private var head = 0
    public private(set) var count = 0
    /// The weights of the elements kept, as given to `append`.
    public private(set) var bytes = 0
    /// Elements dropped (or refused, at capacity 0) since the ring was made.
    public private(set) var dropped: UInt64 = 0

    /// - Precondition: `capacity >= 0`, `byteBudget >= 0`. A zero-capacity ring keeps nothing and
    ///   counts every append.
    public init(capacity: Int, byteBudget: Int? = nil) {
        precondition(capacity >= 0, "BoundedRing capacity must not be negative")
        precondition((byteBudget ?? 0) >= 0, "BoundedRing byte budget must not be negative")
        self.capacity = capacity
        self.byteBudget = byteBudget
        slots.reserveCapacity(min(capacity, 1024))
    }

    public var isEmpty: Bool { count == 0 }

    /// Appends `element`, weighing `bytes` against the byte budget (ignored without one).
    public mutating func append(_ element: Element, bytes weight: Int = 0) {
        guard capacity > 0 else {
            dropped += 1
            return
        }
        let weight = max(0, weight)
        while count == capacity || (count > 0 && byteBudget.map { bytes + weight > $0 } == true) {
            dropOldest()
        }
        if count < slots.count {
            slots[(head + count) % slots.count] = (element, weight)
        } else {
            // Every slot is taken and the ring is below capacity: grow, in order.
            if head != 0 {
                slots = (0..<count).map { slots[(head + $0) % slots.count] }
                head = 0
            }
            slots.append((element, weight))
        }
        count += 1
        bytes += weight
    }

    private mutating func dropOldest() {
        guard let oldest = slots[head] else { return }
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        bytes -= oldest.bytes
        dropped += 1
        if count == 0 { head = 0 }
    }

    /// Oldest first.
    public var elements: [Element] {
        (0..<count).compactMap { slots[(head + $0) % slots.count]?.element }
    }
}

extension BoundedRing: Sendable where Element: Sendable {}
