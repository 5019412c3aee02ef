#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// Runs blocking work (spawning, preparing and running a worker; shutting a pool down) on a
/// thread of its own and lets async code await it.
///
/// The Swift concurrency pool has one thread per core (two here): one blocked `WorkerClient.run`
/// would stall every actor of the process for the whole tool call. A detached pthread per call
/// costs tens of microseconds, against milliseconds for the sandbox itself, and the number alive
/// at once is bounded by the projects' `tool_max_concurrency`.
///
/// The threads block SIGPIPE: a worker that dies before reading its request must make the write
/// fail with EPIPE (a failed call), not kill the coordinator. The signal is thread-directed, so it
/// stays pending on the thread and is discarded when the thread ends.
enum BlockingThread {
    /// `body`'s value, or nil when no thread could be created (the process is out of threads,
    /// memory or pids): the caller turns that into a failed call rather than blocking the pool.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            // A worker's run needs more than a handshake's stack: the default size.
            let started = DetachedThread.start(stackSize: nil) { continuation.resume(returning: body()) }
            if !started { continuation.resume(returning: nil) }
        }
    }
}
