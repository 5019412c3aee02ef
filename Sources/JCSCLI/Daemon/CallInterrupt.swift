import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) and SIGTERM while `jcs tool run` waits for a call: the first cancels the call
/// (its sandbox is killed, `tool.cancelled` is recorded) and keeps waiting for the cancelled
/// result; a second stops waiting at once and says how to cancel the call or read its result,
/// since it may still be running.
///
/// The signals are blocked in the calling thread before any other starts, and one thread takes
/// them with `sigwait`: the main thread stays in its blocking read, and nothing runs in a
/// signal handler.
final class CallInterrupt: Sendable {
    private struct State {
        var cancel: (@Sendable () -> Void)?
        /// What to tell the user when they stop waiting.
        var hint = ""
        var signals = 0
        /// A signal arrived before there was a call to cancel.
        var pending = false
    }

    static let shared = CallInterrupt()
    private let state = Mutex(State())

    /// Blocks SIGINT and SIGTERM here and starts the thread that takes them. Call once, before
    /// the request is sent.
    func install() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        _ = pthread_create(&thread, &attributes, { _ in
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            while true {
                var signal: Int32 = 0
                if sigwait(&set, &signal) == 0 { CallInterrupt.shared.received() }
            }
        }, nil)
        pthread_attr_destroy(&attributes)
    }

    /// The call is known now: `cancel` cancels it, `hint` says how to reach it later. A signal
    /// that came first cancels it at once.
    func arm(hint: String, cancel: @escaping @Sendable () -> Void) {
        let cancelNow = state.withLock { state -> Bool in
            state.cancel = cancel
            state.hint = hint
            return state.pending
        }
        if cancelNow { cancel() }
    }

    private func received() {
        let (count, cancel, hint) = state.withLock { state in
            state.signals += 1
            if state.cancel == nil { state.pending = true }
            return (state.signals, state.cancel, state.hint)
        }
        if count == 1 {
            printError("jcs: cancelling the call (its sandbox is killed); Ctrl-C again stops waiting")
            cancel?()
            if cancel == nil {
                // Nothing accepted yet to cancel: whatever the daemon accepts next is cancelled.
                return
            }
        } else {
            printError("jcs: stopped waiting; the call may still be running. \(hint)")
            exit(ToolRunExit.cancelled)
        }
    }
}
