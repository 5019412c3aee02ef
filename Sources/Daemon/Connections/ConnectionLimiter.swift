import Synchronization

/// The TCP listener's connection caps: in total and per remote address. Checked when a
/// connection is accepted, before a byte of it is read, so a client without a token can hold at
/// most `perAddress` descriptors and all clients together `total`: the rest of the fd table (the
/// raised soft limit) stays for the Unix socket, the journal and the tool workers.
final class ConnectionLimiter: Sendable {
    let total: Int
    let perAddress: Int

    private struct State {
        var open = 0
        var byAddress: [String: Int] = [:]
    }

    private let state = Mutex(State())

    init(total: Int, perAddress: Int) {
        self.total = total
        self.perAddress = perAddress
    }

    /// Nil when admitted (release with `release(address)` when the connection closes), else the
    /// budget that is full.
    func admit(_ address: String) -> Budget? {
        state.withLock { state in
            if state.open >= total { return .tcpConnections }
            if state.byAddress[address, default: 0] >= perAddress { return .tcpConnectionsPerAddress }
            state.open += 1
            state.byAddress[address, default: 0] += 1
            return nil
        }
    }

    func release(_ address: String) {
        state.withLock { state in
            state.open -= 1
            let left = state.byAddress[address, default: 1] - 1
            state.byAddress[address] = left > 0 ? left : nil
        }
    }

    var open: Int { state.withLock { $0.open } }
}
