import Sandbox

/// Every runtime option a project takes, for people: its key, type and accepted values, and
/// what it means. Defaults are not written here but read from `RuntimeOptions()`, so they cannot
/// drift; a test checks the keys against the one reader (`RuntimeOptions.parse`) and against
/// `docs/options.md`, and `jcs project options` prints this table.
public struct OptionSpec: Sendable {
    public var key: String
    /// `integer 1..86400000`, `boolean`, `list of globs`, …
    public var type: String
    public var meaning: String

    public var defaultValue: JSONValue { RuntimeOptions().effectiveJSON[key] ?? .null }

    public var json: JSONValue {
        ["key": .string(key), "type": .string(type), "default": defaultValue, "meaning": .string(meaning)]
    }
}

public enum OptionCatalog {
    public static let all: [OptionSpec] = [
        .init(key: "tool_timeout_ms", type: "integer 1..86400000", meaning: "Wall-clock limit of one tool call; the call's whole process tree is killed when it fires."),
        .init(key: "tool_timeout_alert_threshold", type: "integer 1..10000", meaning: "Timeouts of one tool within the window that raise security.repeated_timeout_failures."),
        .init(key: "tool_timeout_alert_window_ms", type: "integer 1..604800000", meaning: "The window of tool_timeout_alert_threshold."),
        .init(key: "tool_max_output_bytes", type: "integer 0..2147483647", meaning: "The most a call's output may be (compact JSON); larger output is cut and flagged (truncated, notice)."),
        .init(key: "tool_max_artifact_bytes", type: "integer 0..2147483647", meaning: "The most one string of a call's output may be (a file's content, stdout), nested ones included."),
        .init(key: "tool_max_concurrency", type: "integer 0..1024", meaning: "Calls running at once in the project; 0 refuses every call."),
        .init(key: "tool_max_concurrency_per_conversation", type: "integer 0..1024", meaning: "Calls running at once in one conversation."),
        .init(key: "allow_tools", type: "list of tool names or globs", meaning: "When not empty, only tools matching an entry run."),
        .init(key: "deny_tools", type: "list of tool names or globs", meaning: "Tools matching an entry never run, whatever allow_tools says."),
        .init(key: "network_egress_policy", type: "deny | allow", meaning: "Whether tools reach the network at all (allow: through the egress proxy, within network_allowlist)."),
        .init(key: "network_allowlist", type: "list of hosts, *.suffix, host:port, [v6]:port, CIDR", meaning: "What network_egress_policy allow lets through."),
        .init(key: "network_allowed_schemes", type: "list of URL schemes", meaning: "Schemes a URL argument may use."),
        .init(key: "network_denylist", type: "list (network_allowlist's forms)", meaning: "Refused whatever the allowlist says."),
        .init(key: "network_host_overrides", type: "object name -> IP address", meaning: "Addresses the egress proxy uses instead of DNS."),
        .init(key: "network_max_connections_per_call", type: "integer 0..1000000", meaning: "Connections one call may open through the proxy."),
        .init(key: "network_max_bytes_per_call", type: "integer 0..", meaning: "Bytes one call may move through the proxy, both directions."),
        .init(key: "network_max_concurrent_connections", type: "integer 0..65536", meaning: "Proxy connections open at once in the project."),
        .init(key: "outside_root_allowlist", type: "list of {path | pattern, reason_code}", meaning: "Paths outside the root a call may name; each use is recorded as security.sandbox_exception_used."),
        .init(key: "sensitive_path_denylist", type: "list of path globs", meaning: "Paths tools may not read or write (credentials, keys); masked in the sandbox too."),
        .init(key: "sensitive_path_allowlist", type: "list of path globs", meaning: "Exceptions to sensitive_path_denylist."),
        .init(key: "tool_env_allowlist", type: "list of names or PREFIX*", meaning: "Environment variables calls may pass to tools (shell.run env)."),
        .init(key: "protocol_allowlist", type: "list of cli, http, mcp, a2a", meaning: "The gateways that may carry calls."),
        .init(key: "sandbox_profile", type: "string: default, strict, build or a profile file", meaning: "The sandbox profile the project's tools run under (docs/profiles.md)."),
        .init(key: "conversation_max_queue_size", type: "integer 1..65536", meaning: "Events waiting in one conversation before conversation.queue.overflow; also how many finished results it keeps for read-back."),
        .init(key: "conversation_max_kept_result_bytes", type: "integer 65536..1073741824", meaning: "Bytes of finished results one conversation keeps for read-back; the oldest go first."),
        .init(key: "project_max_kept_result_bytes", type: "integer 1048576..68719476736", meaning: "Bytes of finished results all of the project's conversations keep together; past it a conversation forgets its own oldest first."),
        .init(key: "project_max_conversations", type: "integer 1..100000", meaning: "Conversations running at once in the project."),
        .init(key: "strict_asset_loading", type: "boolean", meaning: "Whether one invalid skill, command or workflow fails the project's start instead of being skipped."),
        .init(key: "watcher", type: "boolean", meaning: "Reload assets when their files change."),
        .init(key: "watcher_debounce_ms", type: "integer 0..60000", meaning: "How long the watcher waits for changes to settle."),
        .init(key: "data_dir", type: "relative path without ..", meaning: "Where the project's state lives, under the root."),
        .init(key: "asset_max_files", type: "integer 1..100000", meaning: "Asset files one snapshot reads; the rest are limit_reached asset errors."),
        .init(key: "asset_max_total_bytes", type: "integer 1024..1073741824", meaning: "Bytes one asset snapshot reads, summed over its files."),
        .init(key: "watcher_max_directories", type: "integer 1..8192", meaning: "inotify watches (directories under .jido/) one project may hold."),
        .init(key: "watcher_max_depth", type: "integer 1..32", meaning: "Directory levels below .jido/ the watcher and the loader enter."),
        .init(key: "protected_path_exceptions", type: "list of {path, reason_code}", meaning: "Protected paths fs.write may write anyway; each use is recorded as security.sandbox_exception_used."),
        .init(key: "llm_base_url", type: "https URL (http only to loopback)", meaning: "The OpenAI-compatible endpoint of the project's model; unset, messages are only journaled (docs/agents.md)."),
        .init(key: "llm_model", type: "string", meaning: "The model name sent to llm_base_url; required with it."),
        .init(key: "llm_api_key_env", type: "environment variable name", meaning: "The daemon's variable holding the model's API key; the key itself is never stored or shown."),
        .init(key: "llm_api_key_file", type: "absolute path", meaning: "A file holding the model's API key, instead of llm_api_key_env."),
        .init(key: "llm_timeout_ms", type: "integer 1000..3600000", meaning: "How long one model request may take, first token to last."),
        .init(key: "llm_temperature", type: "number 0..2", meaning: "Sampling temperature sent to the model; unset, the endpoint's default."),
        .init(key: "llm_max_tokens", type: "integer 1..1000000", meaning: "The most tokens one completion may produce; unset, the endpoint's default."),
        .init(key: "llm_system_prompt", type: "string", meaning: "The system message the model sees first; unset, a built-in one."),
        .init(key: "max_turn_steps", type: "integer 1..1024", meaning: "Model requests one turn may make before it ends with llm.failed max_turn_steps_exceeded."),
        .init(key: "llm_context_budget_bytes", type: "integer 4096..67108864", meaning: "The size the conversation sent to the model is kept under; older tool outputs are elided first and the model is told."),
        .init(key: "llm_max_retries", type: "integer 0..10", meaning: "Retries of a model request answered 429 or 5xx, with backoff honouring Retry-After."),
    ]

    public static var keys: [String] { all.map(\.key) }

    /// The known keys closest to `key`, best first (`Suggestions.closest`, the CLI's rule too):
    /// the did-you-mean of an unknown option.
    public static func suggestions(for key: String) -> [String] {
        Suggestions.closest(to: key, among: keys)
    }
}
