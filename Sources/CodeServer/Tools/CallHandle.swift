import Sandbox
import Synchronization

/// The cancellation handle of one call: it owns the link to the call's worker while the tool
/// runs, so `cancel()` from any task or thread kills exactly that worker, and with it the
/// sandbox's pid namespace and every process the tool started.
///
/// A cancel that arrives before the worker is attached is remembered: the worker is killed the
/// moment it is attached, so there is no window in which a cancelled call starts its tool.
///
/// A workflow's handle runs no worker itself: it delegates to the handle of the step running
/// now, so cancelling the workflow kills that step's worker.
public final class CallHandle: Sendable {
    private enum State {
        case waiting
        case running(WorkerClient)
        case delegating(CallHandle)
        case cancelled
        case finished
    }

    /// What to do once the lock is released: the lock is never held while a worker is killed or
    /// another handle is cancelled (the daemon's rule: no call-outs under a lock).
    private enum Effect {
        case none
        case kill(WorkerClient)
        case cancel(CallHandle)

        /// Performs the effect; whether a worker was killed (or a step's worker, by the step).
        @discardableResult
        func perform() -> Bool {
            switch self {
            case .none:
                return false
            case .kill(let worker):
                worker.cancel()
                return true
            case .cancel(let step):
                return step.cancel()
            }
        }
    }

    private let state = Mutex(State.waiting)
    /// Told of the tool's output and violations as they happen (a streamed call); nil for the
    /// rest, whose workers then do not stream.
    public let observer: (@Sendable (CallProgress) -> Void)?

    public init(observer: (@Sendable (CallProgress) -> Void)? = nil) {
        self.observer = observer
    }

    /// Kills the call's worker if it is running. Returns whether a worker was killed; false when
    /// the call had not reached its worker yet (it never will) or had already finished.
    @discardableResult
    public func cancel() -> Bool {
        let effect = state.withLock { state -> Effect in
            switch state {
            case .waiting:
                state = .cancelled
                return .none
            case .running(let worker):
                state = .cancelled
                return .kill(worker)
            case .delegating(let step):
                state = .cancelled
                return .cancel(step)
            case .cancelled, .finished:
                return .none
            }
        }
        return effect.perform()
    }

    public var isCancelled: Bool {
        state.withLock { state in
            if case .cancelled = state { true } else { false }
        }
    }

    /// Called by the runner with the worker it is about to run; returns false (and kills the
    /// worker) when the call was cancelled first.
    func attach(_ worker: WorkerClient) -> Bool {
        let attached = state.withLock { state -> Bool in
            switch state {
            case .waiting:
                state = .running(worker)
                return true
            case .cancelled:
                return false
            case .running, .delegating, .finished:
                preconditionFailure("a call handle runs one worker once")
            }
        }
        if !attached { worker.cancel() }
        return attached
    }

    /// Called by the runner before a workflow step: cancels now go to `step`. Returns false (and
    /// cancels `step`) when the workflow was cancelled first.
    func delegate(to step: CallHandle) -> Bool {
        let delegated = state.withLock { state -> Bool in
            switch state {
            case .waiting:
                state = .delegating(step)
                return true
            case .cancelled:
                return false
            case .running, .delegating, .finished:
                preconditionFailure("a workflow runs one step at a time")
            }
        }
        if !delegated { step.cancel() }
        return delegated
    }

    /// The step ended; the workflow is waiting again.
    func endDelegation() {
        state.withLock { state in
            if case .delegating = state { state = .waiting }
        }
    }

    /// The worker returned; a later `cancel()` has nothing to kill.
    func finish() {
        state.withLock { state in
            if case .running = state { state = .finished }
        }
    }
}

/// What a streamed call reports while its tool runs, before its result.
public enum CallProgress: Sendable {
    /// A chunk of the tool's stdout (1) or stderr (2), within the output cap.
    case output(stream: Int32, bytes: [UInt8])
    case violation(Violation)

    /// `{"event": "output", "stream", "data", "encoding"?}` or `{"event": "violation", "violation"}`.
    public var json: JSONValue {
        switch self {
        case .output(let stream, let bytes):
            var object: [String: JSONValue] = ["event": "output", "stream": stream == 2 ? "stderr" : "stdout"]
            BinaryText.put(bytes, key: "data", encodingKey: "encoding", into: &object)
            return .object(object)
        case .violation(let violation):
            return ["event": "violation", "violation": violation.json]
        }
    }
}
