import Sandbox

/// The finished results a conversation can still answer `result(of:)` for, oldest evicted first
/// when either bound is passed: a count, and the bytes of their outputs and messages. Without the
/// byte bound 300 large calls kept 56 MiB per conversation, for as many conversations as a
/// client cared to start. An evicted result stays in the journal and the timeline; only the
/// read-back answers `unknown_call` for it.
struct KeptResults {
    let maxCount: Int
    let maxBytes: Int
    private var results: [String: (result: ToolResult, bytes: Int)] = [:]
    private var order: [String] = []
    private var head = 0
    /// Results evicted to stay within the bounds since the conversation started.
    private(set) var evicted = 0
    /// This conversation's share of its project's budget (of an unbounded one of its own when it
    /// has no project's): the one count of what it keeps.
    private let account: KeptResultsBudget.Account

    init(maxCount: Int, maxBytes: Int, project: KeptResultsBudget? = nil) {
        precondition(maxCount >= 1 && maxBytes >= 1, "a conversation keeps at least its last result")
        self.maxCount = maxCount
        self.maxBytes = maxBytes
        account = KeptResultsBudget.Account(project ?? KeptResultsBudget(maxBytes: .max))
    }

    /// The bytes of the results kept now.
    var bytes: Int { account.bytes }

    subscript(callId: String) -> ToolResult? { results[callId]?.result }

    var count: Int { results.count }

    /// Keeps `result`; the newest result is always kept, even when it alone is over `maxBytes`.
    mutating func keep(_ result: ToolResult) {
        let size = Self.size(of: result)
        if let old = results.updateValue((result, size), forKey: result.callId) {
            account.remove(old.bytes)
        } else {
            order.append(result.callId)
        }
        account.add(size)
        while results.count > maxCount || (results.count > 1 && (bytes > maxBytes || account.budget.isOver)) {
            let oldest = order[head]
            head += 1
            if let removed = results.removeValue(forKey: oldest) {
                account.remove(removed.bytes)
                evicted += 1
            }
        }
        // Compact the consumed prefix now and then, so `order` stays O(count).
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// What a result costs to keep, near enough: the text it carries (output strings, the
    /// message) plus a fixed share for the rest: the struct, its output's dictionary and boxed
    /// values, the policy decision with its events, the ids, and this structure's own entry.
    /// Measured, that rest is 2 KiB or more for a `shell.run` of `/bin/true` (2,000 such calls
    /// grew the daemon's heap by 5.2 MB beyond SQLite's); at 256 the byte bound counted an eighth
    /// of what was kept.
    static let fixedShare = 2048

    static func size(of result: ToolResult) -> Int {
        fixedShare + (result.message?.utf8.count ?? 0) + (result.output?.textBytes ?? 0)
    }
}
