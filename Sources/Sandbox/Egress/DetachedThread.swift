#if canImport(Glibc)
import Glibc
#endif

/// Starts `body` on a detached pthread with SIGPIPE blocked (a peer that goes away must be an
/// EPIPE from write, not a dead process). Used by the monitor's egress handshakes, the egress
/// proxy's connections and the coordinator's blocking work (`BlockingThread`): each blocks on
/// its own descriptors, never on the caller's loop.
public enum DetachedThread {
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// False when no thread could be created (out of threads or memory); `body` did not run.
    @discardableResult
    /// - Parameter stackSize: the thread's stack; nil for the system's default. Handshakes and
    ///   splices need little, and 256 KiB keeps hundreds of them cheap.
    public static func start(stackSize: Int? = 256 << 10, _ body: @escaping @Sendable () -> Void) -> Bool {
        let job = Unmanaged.passRetained(Job(body))
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
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
        if rc != 0 { job.release() }
        return rc == 0
    }
}
