import Synchronization

/// A `ConversationJournalStore` in memory, for tests and a daemon without a data directory.
/// Bounded like the other in-memory stores: the oldest entries go first past `capacity`.
public final class InMemoryConversationJournalStore: ConversationJournalStore {
    private struct Row: Sendable {
        var project: String
        var conversation: String
        var entry: ConversationEntry
    }

    private let rows: Mutex<BoundedRing<Row>>

    public init(capacity: Int = 100_000) { rows = Mutex(BoundedRing(capacity: capacity)) }

    public func append(project: String, conversation: String, entry: ConversationEntry) {
        rows.withLock { $0.append(Row(project: project, conversation: conversation, entry: entry)) }
    }

    public func openConversations(project: String, limit: Int) -> [StoredConversation] {
        rows.withLock { ring in
            var open: [String: [ConversationEntry]] = [:]
            var order: [String] = []
            for row in ring.elements where row.project == project {
                switch row.entry.kind {
                case .started:
                    if open[row.conversation] == nil { order.append(row.conversation) }
                    open[row.conversation] = [row.entry]
                case .stopped:
                    open[row.conversation] = nil
                default:
                    open[row.conversation]?.append(row.entry)
                }
            }
            return order.compactMap { id in open[id].map { StoredConversation(id: id, entries: Array($0.suffix(limit))) } }
        }
    }

    public func journalEntries(project: String, conversation: String) -> [TimelineEntry] {
        rows.withLock { ring in
            ring.elements.filter { $0.project == project && $0.conversation == conversation }.map { TimelineEntry($0.entry) }
        }
    }
}
