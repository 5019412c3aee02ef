import Synchronization

/// Requests each bearer token has in progress (`tcp.max_requests_per_token`): one token, however
/// many connections it opens, cannot occupy every request slot of the daemon. Streaming answers
/// (`events?follow`) are counted by `FollowerBudget` instead, once their head is out.
final class TokenRequestLimiter: Sendable {
    let perToken: Int
    private let inProgress = Mutex<[String: Int]>([:])

    init(perToken: Int) {
        self.perToken = perToken
    }

    func acquire(_ token: String) -> Bool {
        inProgress.withLock { counts in
            guard counts[token, default: 0] < perToken else { return false }
            counts[token, default: 0] += 1
            return true
        }
    }

    func release(_ token: String) {
        inProgress.withLock { counts in
            let left = counts[token, default: 1] - 1
            counts[token] = left > 0 ? left : nil
        }
    }
}
