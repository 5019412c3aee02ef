import Sandbox

/// A project's diagnostics document. Telemetry and health come from the hub; the other sections
/// belong to the layers that own them (runtime options, assets, policy, conversations, sandbox)
/// and are passed in as JSON, `null` until their owner provides them, so the shape never changes.
public struct Diagnostics: Sendable {
    public var runtimeOptions: JSONValue
    public var assets: JSONValue
    public var policy: JSONValue
    public var conversations: JSONValue
    public var sandbox: JSONValue

    public init(
        runtimeOptions: JSONValue = .null, assets: JSONValue = .null, policy: JSONValue = .null,
        conversations: JSONValue = .null, sandbox: JSONValue = .null
    ) {
        self.runtimeOptions = runtimeOptions
        self.assets = assets
        self.policy = policy
        self.conversations = conversations
        self.sandbox = sandbox
    }

    /// `{project_id, health: {status, …}, runtime_opts, assets, policy, conversations, sandbox,
    /// telemetry: {event_counts, recent_errors, recent_events, dropped}}`.
    public func json(project: String, hub: TelemetryHub) -> JSONValue {
        let snapshot = hub.snapshot(project: project)
        return .object([
            "project_id": .string(project), "health": snapshot.health.json, "runtime_opts": runtimeOptions,
            "assets": assets, "policy": policy, "conversations": conversations, "sandbox": sandbox,
            "telemetry": snapshot.telemetryJSON,
        ])
    }
}
