import Sandbox
import Synchronization

/// What the proxy knows about one call while its tool runs: its ids (for every event), the
/// connections so far, and what the limits have left.
final class EgressCallLedger: Sendable {
    let call: ToolCall
    let projectId: String
    private struct State {
        var records: [EgressConnectionRecord] = []
        var opened = 0
        var open = 0
        var bytes = 0
        var limitFired: String?
        /// The call's tool is gone: a connection whose client side ended need not wait for the
        /// destination to close.
        var finished = false
    }
    private let state = Mutex(State())

    init(call: ToolCall, projectId: String) {
        self.call = call
        self.projectId = projectId
    }

    /// Counts a connection against the per-call limit; the limit's name when it is spent.
    func open(limits: EgressLimits) -> String? {
        state.withLock { state in
            guard state.opened < limits.connectionsPerCall else {
                state.limitFired = state.limitFired ?? EgressLimits.connectionsName
                return EgressLimits.connectionsName
            }
            state.opened += 1
            state.open += 1
            return nil
        }
    }

    /// Adds `count` bytes; false once the call's byte budget is spent (the connection ends).
    func add(bytes count: Int, limits: EgressLimits) -> Bool {
        state.withLock { state in
            state.bytes += count
            guard state.bytes <= limits.bytesPerCall else {
                state.limitFired = state.limitFired ?? EgressLimits.bytesName
                return false
            }
            return true
        }
    }

    func close(_ record: EgressConnectionRecord) {
        state.withLock {
            $0.open -= 1
            $0.records.append(record)
        }
    }

    func record(_ refused: EgressConnectionRecord) {
        state.withLock { $0.records.append(refused) }
    }

    var openConnections: Int { state.withLock { $0.open } }

    func markFinished() { state.withLock { $0.finished = true } }

    var isFinished: Bool { state.withLock { $0.finished } }

    var report: EgressReport {
        state.withLock { EgressReport(connections: $0.records, limitFired: $0.limitFired) }
    }
}
