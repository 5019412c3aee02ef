#if canImport(Glibc)
import Glibc
#endif

/// A bounded FIFO between threads, with a pthread mutex and a condition variable on
/// CLOCK_MONOTONIC: the emit path offers without ever blocking (a full queue refuses),
/// and a dispatcher thread takes with a timeout. `Mutex` has no condition variable, hence pthreads.
final class WorkQueue<Element: Sendable>: @unchecked Sendable {
    let capacity: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var busy = false

    init(capacity: Int) {
        precondition(capacity > 0, "a WorkQueue needs room for at least one element")
        self.capacity = capacity
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    private var count: Int { items.count - head }

    /// Adds `element` unless the queue is full or closed; never blocks.
    func offer(_ element: Element) -> Bool {
        locked {
            guard !closed, count < capacity else { return false }
            items.append(element)
            pthread_cond_broadcast(condition)
            return true
        }
    }

    /// The next element, waiting while the queue is empty; nil once closed. Marks the queue busy
    /// until `done()`, so `waitUntilIdle` knows a taken element is still being worked on.
    func take() -> Element? {
        locked {
            while count == 0 && !closed { pthread_cond_wait(condition, mutex) }
            guard !closed else { return nil }
            let element = items[head]
            head += 1
            if head > 64 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            busy = true
            return element
        }
    }

    func done() {
        locked {
            busy = false
            pthread_cond_broadcast(condition)
        }
    }

    /// Waits up to `ms` unless the queue is closed first; true when it was closed.
    func waitClosed(ms: Int64) -> Bool {
        locked {
            let deadline = Self.deadline(afterMs: ms)
            var now = timespec()
            while !closed {
                clock_gettime(CLOCK_MONOTONIC, &now)
                if now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec) { break }
                var until = deadline
                pthread_cond_timedwait(condition, mutex, &until)
            }
            return closed
        }
    }

    /// Waits up to `ms` for the queue to be empty with nothing in progress; true if it got there.
    func waitUntilIdle(ms: Int64) -> Bool {
        locked {
            let deadline = Self.deadline(afterMs: ms)
            while count > 0 || busy {
                var until = deadline
                if pthread_cond_timedwait(condition, mutex, &until) == ETIMEDOUT { return count == 0 && !busy }
            }
            return true
        }
    }

    /// Stops accepting and wakes every waiter; elements not yet taken are dropped and returned as a count.
    func close() -> Int {
        locked {
            let abandoned = closed ? 0 : count
            closed = true
            items.removeAll()
            head = 0
            pthread_cond_broadcast(condition)
            return abandoned
        }
    }

    private static func deadline(afterMs ms: Int64) -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let ns = Int64(ts.tv_nsec) + (ms % 1000) * 1_000_000
        ts.tv_sec += Int(ms / 1000) + Int(ns / 1_000_000_000)
        ts.tv_nsec = Int(ns % 1_000_000_000)
        return ts
    }
}
