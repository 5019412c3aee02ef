import Sandbox

extension RuntimeOptions {
    /// Every option with its value, defaults filled in, as `parse` reads it back: what `jcs` and
    /// the API show as a project's effective options.
    public var effectiveJSON: JSONValue {
        let strings = { (values: [String]) in JSONValue.array(values.map(JSONValue.string)) }
        let options: [String: JSONValue] = [
            "tool_timeout_ms": .int(Int64(toolTimeoutMs)),
            "tool_timeout_alert_threshold": .int(Int64(toolTimeoutAlertThreshold)),
            "tool_timeout_alert_window_ms": .int(Int64(toolTimeoutAlertWindowMs)),
            "tool_max_output_bytes": .int(Int64(toolMaxOutputBytes)),
            "tool_max_artifact_bytes": .int(Int64(toolMaxArtifactBytes)),
            "tool_max_concurrency": .int(Int64(toolMaxConcurrency)),
            "tool_max_concurrency_per_conversation": .int(Int64(toolMaxConcurrencyPerConversation)),
            "allow_tools": strings(allowTools.map(\.pattern)),
            "deny_tools": strings(denyTools.map(\.pattern)),
            "network_egress_policy": .string(networkEgressPolicy.rawValue),
            "network_allowlist": strings(networkAllowlist.map(\.text)),
            "network_allowed_schemes": strings(networkAllowedSchemes),
            "network_denylist": strings(networkDenylist.map(\.text)),
            "network_host_overrides": .object(networkHostOverrides.mapValues { .string($0.description) }),
            "network_max_connections_per_call": .int(Int64(networkMaxConnectionsPerCall)),
            "network_max_bytes_per_call": .int(Int64(networkMaxBytesPerCall)),
            "network_max_concurrent_connections": .int(Int64(networkMaxConcurrentConnections)),
            "outside_root_allowlist": .array(outsideRootAllowlist.map(\.json)),
            "sensitive_path_denylist": strings(sensitivePathDenylist.map(\.pattern)),
            "sensitive_path_allowlist": strings(sensitivePathAllowlist.map(\.pattern)),
            "tool_env_allowlist": strings(toolEnvAllowlist.map(\.text)),
            "protocol_allowlist": strings(protocolAllowlist.map(\.rawValue)),
            "sandbox_profile": .string(sandboxProfile),
            "conversation_max_queue_size": .int(Int64(conversationMaxQueueSize)),
            "conversation_max_kept_result_bytes": .int(Int64(conversationMaxKeptResultBytes)),
            "project_max_kept_result_bytes": .int(Int64(projectMaxKeptResultBytes)),
            "project_max_conversations": .int(Int64(projectMaxConversations)),
            "strict_asset_loading": .bool(strictAssetLoading),
            "watcher": .bool(watcher),
            "watcher_debounce_ms": .int(Int64(watcherDebounceMs)),
            "data_dir": .string(dataDir),
            "asset_max_files": .int(Int64(assetMaxFiles)),
            "asset_max_total_bytes": .int(Int64(assetMaxTotalBytes)),
            "watcher_max_directories": .int(Int64(watcherMaxDirectories)),
            "watcher_max_depth": .int(Int64(watcherMaxDepth)),
            "protected_path_exceptions": .array(protectedPathExceptions.map(\.json)),
        ]
        return .object(options.merging(llm.effectiveJSON) { current, _ in current })
    }
}
