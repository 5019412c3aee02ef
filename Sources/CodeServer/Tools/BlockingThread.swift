#if canImport(Glibc)
import Glibc
#endif

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
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// `body`'s value, or nil when no thread could be created (the process is out of threads,
    /// memory or pids): the caller turns that into a failed call rather than blocking the pool.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let job = Unmanaged.passRetained(Job { continuation.resume(returning: body()) })
            var thread = pthread_t()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            let rc = pthread_create(&thread, &attributes, { context in
                let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
                var pipe = sigset_t()
                sigemptyset(&pipe)
                sigaddset(&pipe, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipe, nil)
                job.body()
                return nil
            }, job.toOpaque())
            pthread_attr_destroy(&attributes)
            if rc != 0 {
                job.release()
                continuation.resume(returning: nil)
            }
        }
    }

    /// Runs `body` with SIGPIPE blocked on the calling thread, restoring the mask after: threads
    /// `body` creates (a pool's preparer) inherit the blocked mask, for the reason above.
    static func withSIGPIPEBlocked<T>(_ body: () -> T) -> T {
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipe, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return body()
    }
}
