#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// Runs a `DirectoryWatcher` on a thread of its own and hands debounced batches of changed paths
/// to `onBatch` (on that thread). `stop()` ends the thread and waits for it.
public final class WatchLoop: @unchecked Sendable {
    public typealias Batch = Set<DirectoryWatcher.Change>

    private let watcher: DirectoryWatcher
    private var debouncer: Debouncer<DirectoryWatcher.Change>
    private let onBatch: @Sendable (Batch) -> Void
    private let wake: (read: Int32, write: Int32)
    private var thread = pthread_t()
    private var running = false

    /// Starts watching `root` (debounce: `quietMs` of quiet, at most `maxWaitMs` per batch;
    /// bounds as `DirectoryWatcher`'s).
    public init(
        root: ProjectDirectory, base: String = ".", skip: Set<String> = [], maximumDirectories: Int = 256,
        maximumDepth: Int = 8, limits: WatchLimits = WatchLimits(),
        quietMs: Int64, maxWaitMs: Int64, onBatch: @escaping @Sendable (Batch) -> Void
    ) throws(WatcherError) {
        watcher = try DirectoryWatcher(
            root: root, base: base, skip: skip, maximumDirectories: maximumDirectories, maximumDepth: maximumDepth, limits: limits)
        debouncer = Debouncer(quietMs: quietMs, maxWaitMs: maxWaitMs)
        self.onBatch = onBatch
        var fds: [Int32] = [-1, -1]
        guard csb_pipe_cloexec(&fds) == 0 else { throw .system(call: "pipe2", errno: errno) }
        wake = (fds[0], fds[1])
        let context = Unmanaged.passRetained(self).toOpaque()
        guard pthread_create(&thread, nil, watchLoopEntry, context) == 0 else {
            Unmanaged<WatchLoop>.fromOpaque(context).release()
            close(wake.read)
            close(wake.write)
            throw .system(call: "pthread_create", errno: errno)
        }
        running = true
    }

    /// Stops the thread; pending changes not yet released are dropped.
    public func stop() {
        guard running else { return }
        running = false
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        pthread_join(thread, nil)
        close(wake.read)
        close(wake.write)
    }

    deinit { stop() }

    fileprivate func loop() {
        while true {
            let now = Self.nowMs()
            let timeout = debouncer.deadlineMs.map { Int32(clamping: max(0, $0 - now)) } ?? -1
            var fds = [
                pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            let rc = poll(&fds, 2, timeout)
            if rc < 0 && errno != EINTR { return }
            if fds[1].revents != 0 { return }
            if fds[0].revents != 0 { debouncer.add(watcher.read(), nowMs: Self.nowMs()) }
            if let batch = debouncer.release(nowMs: Self.nowMs()) { onBatch(batch) }
        }
    }

    private static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

private func watchLoopEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let loop = Unmanaged<WatchLoop>.fromOpaque(raw!).takeRetainedValue()
    loop.loop()
    return nil
}
