import Synchronization

/// The bytes of finished results that every conversation of one project keeps together
/// (`project_max_kept_result_bytes`). Each conversation's own bound (`KeptResults.maxBytes`) times
/// `project_max_conversations` was 8 GiB a project: a client that started conversations and ran
/// large async calls in each grew the daemon without limit in practice. Past this budget a
/// conversation that keeps a result forgets its own oldest first (it cannot reach another
/// conversation's), so the project holds at most the budget plus one result per conversation.
public final class KeptResultsBudget: Sendable {
    public let maxBytes: Int
    private let used = Atomic<Int>(0)

    public init(maxBytes: Int) {
        precondition(maxBytes >= 1, "a budget of at least one byte")
        self.maxBytes = maxBytes
    }

    /// Bytes kept now by the project's conversations.
    public var bytes: Int { used.load(ordering: .relaxed) }

    var isOver: Bool { bytes > maxBytes }

    /// A conversation's share: what it holds, given back when the conversation goes.
    final class Account {
        let budget: KeptResultsBudget
        private(set) var bytes = 0

        init(_ budget: KeptResultsBudget) { self.budget = budget }

        func add(_ count: Int) {
            bytes += count
            budget.used.add(count, ordering: .relaxed)
        }

        func remove(_ count: Int) {
            bytes -= count
            budget.used.subtract(count, ordering: .relaxed)
        }

        deinit { budget.used.subtract(bytes, ordering: .relaxed) }
    }
}
