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
        /// The call's lookups (`EgressDNSStub`): the policy's answer per name, so A and AAAA
        /// and the retries see one answer; and which names each answered address came from.
        var lookups: [String: EgressLookup] = [:]
        var names: [IPAddress: [String]] = [:]
        var refusedNames: Set<String> = []
    }
    /// Bounds on what a call's lookups keep: a tool looking up names in a loop must not grow the
    /// proxy without end. Past them, nothing new is remembered (a connect to an address only a
    /// forgotten name gave is decided as the bare address, and refused without an entry for it).
    static let maxNames = 1024
    static let maxAddressesPerName = 16
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

    /// The policy's answer for `name`, asked once per call.
    func lookup(_ name: String, policy: EgressPolicy) -> EgressLookup {
        if let known = state.withLock({ $0.lookups[name] }) { return known }
        let answer = policy.lookup(name)
        state.withLock { state in
            guard state.lookups.count < Self.maxNames else { return }
            state.lookups[name] = answer
            guard case .answer(let addresses) = answer else { return }
            for address in addresses.prefix(Self.maxAddressesPerName) where state.names.count < Self.maxNames * 4 {
                if !(state.names[address]?.contains(name) ?? false) { state.names[address, default: []].append(name) }
            }
        }
        return answer
    }

    /// The names this call's lookups answered with `address`.
    func names(answering address: IPAddress) -> [String] {
        state.withLock { $0.names[address] ?? [] }
    }

    /// Records a refused lookup; false when this name was refused before in the call.
    func recordRefusedName(_ record: EgressConnectionRecord) -> Bool {
        state.withLock { state in
            guard state.refusedNames.count < Self.maxNames, state.refusedNames.insert(record.host).inserted else {
                return false
            }
            state.records.append(record)
            return true
        }
    }

    var openConnections: Int { state.withLock { $0.open } }

    func markFinished() { state.withLock { $0.finished = true } }

    var isFinished: Bool { state.withLock { $0.finished } }

    var report: EgressReport {
        state.withLock { EgressReport(connections: $0.records, limitFired: $0.limitFired) }
    }
}
