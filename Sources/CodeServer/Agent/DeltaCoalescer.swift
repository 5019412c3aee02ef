import Synchronization

/// Collects the streamed text of a completion and hands it on in pieces of at least
/// `minimumBytes` or every `intervalMs`, so `conversation.assistant.delta` is one event per
/// phrase, not per token. Secrets are redacted across piece boundaries: a tail that could begin
/// a secret waits for the next piece.
final class DeltaCoalescer: Sendable {
    private struct State {
        var buffer = ""
        var lastFlushMs: Int64
    }

    private let state: Mutex<State>
    private let redactor: SecretRedactor
    private let minimumBytes: Int
    private let intervalMs: Int64
    private let clock: any RuntimeClock
    private let deliver: @Sendable (String) -> Void

    init(
        redactor: SecretRedactor, clock: any RuntimeClock, minimumBytes: Int = 256, intervalMs: Int64 = 100,
        deliver: @escaping @Sendable (String) -> Void
    ) {
        self.redactor = redactor
        self.clock = clock
        self.minimumBytes = minimumBytes
        self.intervalMs = intervalMs
        self.deliver = deliver
        state = Mutex(State(lastFlushMs: clock.nowMs()))
    }

    func add(_ text: String) {
        let now = clock.nowMs()
        let piece: String? = state.withLock { state in
            state.buffer += text
            guard state.buffer.utf8.count >= minimumBytes || now - state.lastFlushMs >= intervalMs else { return nil }
            return take(&state, final: false, now: now)
        }
        if let piece, !piece.isEmpty { deliver(piece) }
    }

    /// Hands on what is left, at the end of the completion.
    func finish() {
        let now = clock.nowMs()
        let piece = state.withLock { take(&$0, final: true, now: now) }
        if !piece.isEmpty { deliver(piece) }
    }

    private func take(_ state: inout State, final: Bool, now: Int64) -> String {
        let redacted = redactor.redact(state.buffer)
        let hold = final ? 0 : redactor.unsafeSuffixLength(redacted)
        let piece = String(redacted.dropLast(hold))
        state.buffer = String(redacted.suffix(hold))
        state.lastFlushMs = now
        return piece
    }
}
