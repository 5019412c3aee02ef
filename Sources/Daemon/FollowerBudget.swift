import Synchronization

/// `events?follow` streams open now, per project and in total (`limits.max_followers*`): each
/// holds a connection, a hub subscription and up to two bounded buffers, so followers are a
/// resource a tenant could otherwise multiply until the daemon runs out of memory or fds.
final class FollowerBudget: Sendable {
    let total: Int
    let perProject: Int

    private struct State {
        var open = 0
        var byProject: [String: Int] = [:]
    }

    private let state = Mutex(State())

    init(total: Int, perProject: Int) {
        self.total = total
        self.perProject = perProject
    }

    /// Takes a slot (give it back with `release`), or throws the refusal naming the full budget.
    func acquire(project: String) throws(APIError) {
        let full: Budget? = state.withLock { state in
            if state.byProject[project, default: 0] >= perProject { return .followersPerProject }
            if state.open >= total { return .followers }
            state.open += 1
            state.byProject[project, default: 0] += 1
            return nil
        }
        switch full {
        case nil: return
        case .followersPerProject?:
            throw .exhausted(.followersPerProject, "project '\(project)' already has \(perProject) event followers")
        case let budget?:
            throw .exhausted(budget, "the daemon already has \(total) event followers")
        }
    }

    func release(project: String) {
        state.withLock { state in
            state.open -= 1
            let left = state.byProject[project, default: 1] - 1
            state.byProject[project] = left > 0 ? left : nil
        }
    }

    var open: Int { state.withLock { $0.open } }
}
