import CodeServer
import Logging

/// What the routes talk to, composed once in `Daemon.run`: the engine, the telemetry hub its
/// events go through, the journal both write to (timelines and alerts are read from it), the
/// async calls made outside conversations, and the metrics collector.
public struct Runtime: Sendable {
    public let engine: Engine
    public let hub: TelemetryHub
    public let journal: any Store
    /// The budgets below, as configured.
    let limits: DaemonLimits
    /// Async calls made outside a conversation.
    let detached: DetachedCalls
    /// What `/metrics` needs beyond the hub's counts, fed from the hub from here on. One per
    /// runtime, so every listener's router (Unix socket, TCP) shows the same numbers.
    let metrics = MetricsCollector()
    /// `events?follow` streams open now, budgeted. One per runtime, like everything below: the
    /// budgets hold across both listeners.
    let followers: FollowerBudget
    /// MCP sessions of every project, budgeted.
    let mcpSessions: MCPSessions
    /// Refusal log lines (connections, tokens, budgets), rate-limited and summed.
    let refusals = RefusalLog(logger: Logger(label: "jcs.daemon"))

    public init(engine: Engine, hub: TelemetryHub, journal: any Store, limits: DaemonLimits = DaemonLimits()) {
        self.engine = engine
        self.hub = hub
        self.journal = journal
        self.limits = limits
        detached = DetachedCalls(limits: limits)
        followers = FollowerBudget(total: limits.maxFollowers, perProject: limits.maxFollowersPerProject)
        mcpSessions = MCPSessions(capacity: limits.maxMCPSessions, perProject: limits.maxMCPSessionsPerProject)
        MetricsFeed.start(hub: hub, collector: metrics)
        MCPListChangedFeed.start(hub: hub, sessions: mcpSessions)
    }

    /// The project, or `unknown_project` as an API error.
    func project(_ id: String) async throws(APIError) -> Project {
        do {
            return try await engine.project(id)
        } catch {
            throw .from(error)
        }
    }

    func conversation(_ projectId: String, _ conversationId: String) async throws(APIError) -> Conversation {
        let project = try await project(projectId)
        do {
            return try await project.conversation(conversationId)
        } catch {
            throw .from(error)
        }
    }
}
