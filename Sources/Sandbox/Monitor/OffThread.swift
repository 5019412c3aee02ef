#if canImport(Glibc)
import Glibc
#endif

/// A computation on a thread of its own, joined when its value is needed: how a one-shot
/// sandbox overlaps its slow independent steps (libseccomp, creating a memory cgroup) with
/// building the sandbox, on a machine where each costs a sizeable share of the whole call.
public final class OffThread<Value: Sendable>: @unchecked Sendable {
    private let work: () throws(SandboxError) -> Value
    // Written by the thread before it ends, read after pthread_join: the join orders the two.
    private var result: Result<Value, SandboxError>?
    private var thread = pthread_t()
    /// Whether a thread runs the work; if none could be started, `value()` runs it inline.
    private var started = false

    public init(_ work: @escaping () throws(SandboxError) -> Value) {
        self.work = work
        start()
    }

    private func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        started = pthread_create(&thread, nil, offThreadEntry, context) == 0
        if !started { Unmanaged<OffThread<Value>>.fromOpaque(context).release() }
    }


    fileprivate func compute() {
        do throws(SandboxError) {
            result = .success(try work())
        } catch {
            result = .failure(error)
        }
    }

    /// Waits for the computation and returns its value or throws its error.
    public func value() throws(SandboxError) -> Value {
        if started {
            pthread_join(thread, nil)
            started = false
        } else if result == nil {
            compute()
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw error
        case nil: throw .protocolViolation(reason: "a background computation did not run")
        }
    }

    /// Joins without looking at the value, for a caller that gave up on it. The last reference
    /// may be the thread's own, released as it ends: it cannot join itself, so it detaches.
    deinit {
        guard started else { return }
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }
}

/// The thread's entry: takes over the reference `start()` passed and runs the work.
private func offThreadEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let job = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! any OffThreadJob
    job.runJob()
    return nil
}

private protocol OffThreadJob { func runJob() }

extension OffThread: OffThreadJob {
    fileprivate func runJob() { compute() }
}
