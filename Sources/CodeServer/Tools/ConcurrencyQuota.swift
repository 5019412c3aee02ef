/// How many calls run at once, in the project and in each conversation: `tool_max_concurrency`
/// and `tool_max_concurrency_per_conversation`. A limit of 0 refuses every call.
///
/// A plain value owned by the runner actor, so acquiring is atomic with the check.
struct ConcurrencyQuota: Sendable, Equatable {
    let projectLimit: Int
    let conversationLimit: Int
    private(set) var running = 0
    private(set) var runningByConversation: [String: Int] = [:]

    init(projectLimit: Int, conversationLimit: Int) {
        self.projectLimit = projectLimit
        self.conversationLimit = conversationLimit
    }

    /// Takes a slot for a call (in `conversationId`, when it has one), or returns why not. A call
    /// outside any conversation counts against the project only.
    mutating func acquire(conversationId: String?) -> FailureReason? {
        guard running < projectLimit else { return .maxConcurrencyReached }
        if let conversationId {
            let inConversation = runningByConversation[conversationId, default: 0]
            guard inConversation < conversationLimit else { return .conversationMaxConcurrencyReached }
            runningByConversation[conversationId] = inConversation + 1
        }
        running += 1
        return nil
    }

    mutating func release(conversationId: String?) {
        precondition(running > 0, "released a slot that was not taken")
        running -= 1
        guard let conversationId, let count = runningByConversation[conversationId] else { return }
        runningByConversation[conversationId] = count > 1 ? count - 1 : nil
    }
}
