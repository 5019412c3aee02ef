/// A fixed-capacity FIFO that overwrites its oldest element when full and counts what it dropped,
/// so "recent" lists stay bounded and the loss is visible rather than silent.
public struct BoundedRing<Element> {
    public let capacity: Int
    private var storage: [Element] = []
    /// Index in `storage` of the oldest element once the ring has wrapped.
    private var head = 0
    /// Elements overwritten (or refused, at capacity 0) since the ring was made.
    public private(set) var dropped: UInt64 = 0

    /// - Precondition: `capacity >= 0`. A zero-capacity ring keeps nothing and counts every append.
    public init(capacity: Int) {
        precondition(capacity >= 0, "BoundedRing capacity must not be negative")
        self.capacity = capacity
        storage.reserveCapacity(min(capacity, 1024))
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ element: Element) {
        guard capacity > 0 else {
            dropped += 1
            return
        }
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
            dropped += 1
        }
    }

    /// Oldest first.
    public var elements: [Element] {
        Array(storage[head...] + storage[..<head])
    }
}

extension BoundedRing: Sendable where Element: Sendable {}
