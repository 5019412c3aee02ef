import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// Where an event is made durable: the journal's one writer. Every write (events of all projects
/// and conversation entries, as `EventRow`s of the one `events` table; registry changes and
/// retention, as closures) is queued here with a sequence number; one thread takes everything
/// waiting, runs it in one transaction and commits it with one fsync, then answers everyone
/// waiting on any of those sequence numbers. There is no linger timer: a lone write commits at
/// once, and a batch is what queued while the previous commit's fsync ran, so under load many
/// emitters share each fsync (group commit) and alone an emitter pays one.
///
/// Acknowledgement: `mark()` before a request's work and `durable(since:)` after it wait until
/// everything queued in between is committed, and throw if any batch in that range failed, so an
/// answer that follows the wait is only sent for what is on disk (the daemon's
/// `DurabilityMiddleware`). Synchronous writers (the registry, tests) use `waitDurable(_:)`.
///
/// The queue is bounded by count (`capacity` writes) and by bytes (`maximumQueuedBytes` of rows'
/// text: a payload may be a tool's output for the model, tens of KiB): an emitter that finds it
/// full waits for the writer to take a batch, so a slow disk slows emitters down instead of
/// growing memory without bound. A write alone in the queue is taken whatever its size.
/// A pthread mutex and condition variables rather than `Mutex`: emitters block on them.
final class JournalWriter: @unchecked Sendable {
    typealias Write = @Sendable (SQLiteConnection) throws(StoreError) -> Void

    /// One queued write: an event row (the common case, inserted through one prepared statement
    /// per batch) or any other write.
    enum Item: Sendable {
        case event(EventRow)
        case write(Write)
    }

    /// A batch that failed: the sequence numbers it held and why.
    private struct Failure {
        var first: UInt64
        var last: UInt64
        var error: StoreError
    }

    private struct Waiter {
        var since: UInt64
        var through: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    let capacity: Int
    let maximumQueuedBytes: Int
    /// Writes per transaction at most, so one commit's latency stays bounded under a burst.
    let maximumBatch: Int
    private let connection: SQLiteConnection
    private let afterCommit: @Sendable (SQLiteConnection, Int) -> Void
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let processed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var queue: [(sequence: UInt64, item: Item)] = []
    private var queuedBytes = 0
    private var enqueued: UInt64 = 0
    private var committed: UInt64 = 0
    private var failures: [Failure] = []
    private var waiters: [Waiter] = []
    private var current: (error: StoreError, atMs: Int64)?
    private var batches: UInt64 = 0
    /// The connection's page cache after the latest batch; only the writer thread may ask it.
    private var cacheBytes = 0
    private var stopping = false
    private var stopped = false

    /// - Parameters:
    ///   - connection: the writer's own connection; nothing else uses it.
    ///   - afterCommit: runs on the writer thread after each successful commit with the number of
    ///     writes it held (retention hooks in here), outside the queue's lock and before the
    ///     batch's waiters are answered.
    init(
        connection: SQLiteConnection, capacity: Int = 65_536, maximumQueuedBytes: Int = 16 << 20,
        maximumBatch: Int = 8192, afterCommit: @escaping @Sendable (SQLiteConnection, Int) -> Void = { _, _ in }
    ) {
        precondition(capacity > 0 && maximumBatch > 0 && maximumQueuedBytes > 0, "the journal writer needs room for one write")
        self.connection = connection
        self.capacity = capacity
        self.maximumQueuedBytes = maximumQueuedBytes
        self.maximumBatch = maximumBatch
        self.afterCommit = afterCommit
        pthread_mutex_init(mutex, nil)
        for condition in [notEmpty, notFull, processed] { pthread_cond_init(condition, nil) }
        let started = DetachedThread.start(stackSize: 1 << 20) { [self] in run() }
        precondition(started, "could not start the journal writer thread")
    }

    deinit {
        for condition in [notEmpty, notFull, processed] {
            pthread_cond_destroy(condition)
            condition.deallocate()
        }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Queues `write` and returns its sequence number without waiting for the commit; waits only
    /// while the queue is full. Throws once the writer was stopped.
    @discardableResult
    func enqueue(_ write: @escaping Write) throws(StoreError) -> UInt64 { try enqueue(item: .write(write)) }

    /// Queues one event row, like `enqueue(_:)`.
    @discardableResult
    func enqueue(_ row: EventRow) throws(StoreError) -> UInt64 { try enqueue(item: .event(row)) }

    private func enqueue(item: Item) throws(StoreError) -> UInt64 {
        let size = Self.size(of: item)
        return try locked { () throws(StoreError) -> UInt64 in
            while !queue.isEmpty && (queue.count >= capacity || queuedBytes + size > maximumQueuedBytes) && !stopping {
                pthread_cond_wait(notFull, mutex)
            }
            guard !stopping else { throw StoreError(.statementFailed, "the journal writer has stopped") }
            enqueued += 1
            queue.append((enqueued, item))
            queuedBytes += size
            // Only the writer waits on notEmpty, and only while the queue is empty.
            if queue.count == 1 { pthread_cond_signal(notEmpty) }
            return enqueued
        }
    }

    /// What a queued write holds, near enough: a row's text plus a share for the rest; a closure
    /// (registry changes, retention) the share alone.
    static func size(of item: Item) -> Int {
        guard case .event(let row) = item else { return 256 }
        return 256 + row.payload.utf8.count + row.project.utf8.count + (row.conversation?.utf8.count ?? 0)
            + (row.correlation?.utf8.count ?? 0)
    }

    /// Rows and bytes waiting for the writer now.
    var queued: (writes: Int, bytes: Int) { (try? locked { (queue.count, queuedBytes) }) ?? (0, 0) }

    /// The last sequence number handed out: what a request's durability wait starts from.
    func mark() -> UInt64 { (try? locked { enqueued }) ?? 0 }

    /// Blocks until `sequence` was processed; throws the error of the batch that held it, if it failed.
    func waitDurable(_ sequence: UInt64) throws(StoreError) {
        try locked { () throws(StoreError) in
            while committed < sequence { pthread_cond_wait(processed, mutex) }
            if let failure = failure(overlapping: sequence - 1, sequence) { throw failure.error }
        }
    }

    /// Blocks until everything queued so far is processed (a read that must see its own writes).
    func sync() {
        let last = mark()
        _ = try? locked { () throws(StoreError) in
            while committed < last { pthread_cond_wait(processed, mutex) }
        }
    }

    /// Suspends until every write queued after `since` and up to now is committed; throws the
    /// first failure among them. The daemon answers a request only after this returns.
    func durable(since: UInt64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pthread_mutex_lock(mutex)
            let through = enqueued
            guard committed < through else {
                let failure = failure(overlapping: since, through)
                pthread_mutex_unlock(mutex)
                if let failure { continuation.resume(throwing: failure.error) } else { continuation.resume() }
                return
            }
            waiters.append(Waiter(since: since, through: through, continuation: continuation))
            pthread_mutex_unlock(mutex)
        }
    }

    /// The failure of the latest batch, while no batch has committed since; nil when healthy.
    var currentFailure: (error: StoreError, atMs: Int64)? { try? locked { current } }

    /// Transactions committed or failed since open.
    var batchCount: UInt64 { (try? locked { batches }) ?? 0 }

    /// Bytes in the writer connection's page cache after the latest batch.
    var cacheUsedBytes: Int { (try? locked { cacheBytes }) ?? 0 }

    /// Processes what is queued, then ends the thread; later writes are refused.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(notEmpty)
        pthread_cond_broadcast(notFull)
        while !stopped { pthread_cond_wait(processed, mutex) }
        pthread_mutex_unlock(mutex)
    }

    /// A failed batch holding any sequence number in (since, through].
    private func failure(overlapping since: UInt64, _ through: UInt64) -> Failure? {
        failures.last { $0.first <= through && $0.last > since }
    }

    private func run() {
        while true {
            pthread_mutex_lock(mutex)
            while queue.isEmpty && !stopping { pthread_cond_wait(notEmpty, mutex) }
            if queue.isEmpty {
                stopped = true
                pthread_cond_broadcast(processed)
                pthread_mutex_unlock(mutex)
                return
            }
            let batch: [(sequence: UInt64, item: Item)]
            if queue.count <= maximumBatch {
                batch = queue
                // The array keeps its storage for the next batches, unless a burst made it large.
                queue.removeAll(keepingCapacity: queue.capacity <= 4096)
                queuedBytes = 0
            } else {
                batch = Array(queue.prefix(maximumBatch))
                queue.removeFirst(maximumBatch)
                queuedBytes -= batch.reduce(0) { $0 + Self.size(of: $1.item) }
            }
            pthread_cond_broadcast(notFull)
            pthread_mutex_unlock(mutex)

            var error: StoreError?
            do {
                try connection.transaction { () throws(StoreError) in
                    let insert = try connection.statement(EventRow.insertSQL)
                    for (_, item) in batch {
                        switch item {
                        case .event(let row): try row.insert(with: insert)
                        case .write(let write): try write(connection)
                        }
                    }
                }
            } catch let failed {
                error = failed
            }
            connection.finishStatements()
            // Before anyone is woken: a reader that waited for these writes also sees what
            // retention made of them.
            if error == nil { afterCommit(connection, batch.count) }
            let cache = connection.cacheUsedBytes

            pthread_mutex_lock(mutex)
            cacheBytes = cache
            let first = batch[0].sequence
            let last = batch[batch.count - 1].sequence
            committed = last
            batches += 1
            if let error {
                failures.append(Failure(first: first, last: last, error: error))
                if failures.count > 1024 { failures.removeFirst(failures.count - 1024) }
                current = (error, Timestamp.nowMs())
            } else {
                current = nil
            }
            var ready: [(Waiter, StoreError?)] = []
            waiters.removeAll { waiter in
                guard waiter.through <= committed else { return false }
                ready.append((waiter, failure(overlapping: waiter.since, waiter.through)?.error))
                return true
            }
            pthread_cond_broadcast(processed)
            pthread_mutex_unlock(mutex)
            for (waiter, failure) in ready {
                if let failure { waiter.continuation.resume(throwing: failure) } else { waiter.continuation.resume() }
            }
        }
    }
}
