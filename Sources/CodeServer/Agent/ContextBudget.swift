/// Keeps the messages sent to the model within `llm_context_budget_bytes`. Older tool outputs
/// go first, then older user and assistant text; the newest user message and the newest step's
/// messages are kept as long as anything else can go. Nothing is dropped silently: an elided
/// message keeps its place (tool calls stay paired with their results) and says what was removed.
enum ContextBudget {
    static func elisionNote(bytes: Int, role: ChatMessage.Role) -> String {
        "[elided by the runtime: \(bytes) bytes of this \(role == .tool ? "tool output" : "message") were removed to stay within llm_context_budget_bytes]"
    }

    /// Elides in place until the total fits `budget` or nothing more can go; returns how many
    /// messages were elided now.
    @discardableResult
    static func fit(_ messages: inout [ChatMessage], budget: Int) -> Int {
        var total = messages.reduce(0) { $0 + $1.size }
        guard total > budget else { return 0 }
        let protected = protectedTail(messages)
        var elided = 0
        for pass in [ChatMessage.Role.tool, .assistant, .user] {
            for index in messages.indices where index < protected && total > budget {
                let message = messages[index]
                guard message.role == pass, !message.elided, let content = message.content, content.utf8.count > 200 else {
                    continue
                }
                let note = elisionNote(bytes: content.utf8.count, role: message.role)
                total -= content.utf8.count - note.utf8.count
                messages[index].content = note
                messages[index].elided = true
                elided += 1
            }
        }
        return elided
    }

    /// The index from which messages are the newest exchange: the last user message onward.
    private static func protectedTail(_ messages: [ChatMessage]) -> Int {
        messages.lastIndex { $0.role == .user } ?? messages.count
    }
}

/// Replaces every occurrence of the secrets (the API key) in text the model produced.
struct SecretRedactor: Sendable {
    static let mark = "[REDACTED]"
    let secrets: [String]

    init(_ secrets: [String]) {
        // Short strings would redact ordinary words; a key is never this short.
        self.secrets = secrets.filter { $0.utf8.count >= 8 }
    }

    var longest: Int { secrets.map(\.count).max() ?? 0 }

    func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacing(secret, with: Self.mark)
        }
        return result
    }

    /// How many characters at the end of `text` could be the start of a secret the next piece
    /// of a stream completes: they are held back until it is known.
    func unsafeSuffixLength(_ text: String) -> Int {
        var best = 0
        for secret in secrets {
            for length in stride(from: min(secret.count - 1, text.count), to: best, by: -1)
            where text.hasSuffix(secret.prefix(length)) {
                best = length
                break
            }
        }
        return best
    }
}
