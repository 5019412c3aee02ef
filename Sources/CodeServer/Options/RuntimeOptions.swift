import Sandbox

/// A project's runtime options, validated: every value here has passed `parse`, and every option
/// has its default until the project's options say otherwise.
///
/// The wire names are snake_case (`tool_timeout_ms`); each property notes its name, default and
/// accepted range. `RuntimeOptions()` is the defaults alone.
public struct RuntimeOptions: Sendable, Equatable {
    /// `tool_timeout_ms`, 30000 (1 to 86400000): wall-clock limit of one tool call; the worker
    /// kills the call's whole process tree when it fires.
    public var toolTimeoutMs = 30_000
    /// `tool_timeout_alert_threshold`, 3 (1 to 10000): timeouts of one tool within the window
    /// that raise `security.repeated_timeout_failures`.
    public var toolTimeoutAlertThreshold = 3
    /// `tool_timeout_alert_window_ms`, 300000 (1 to 604800000).
    public var toolTimeoutAlertWindowMs = 300_000
    /// `tool_max_output_bytes`, 262144 (0 to 2147483647): a larger result is `output_too_large`.
    public var toolMaxOutputBytes = 262_144
    /// `tool_max_artifact_bytes`, 131072 (0 to 2147483647): per artifact, nested ones included.
    public var toolMaxArtifactBytes = 131_072
    /// `tool_max_concurrency`, 8 (0 to 1024): calls running at once in the project; 0 refuses all.
    public var toolMaxConcurrency = 8
    /// `tool_max_concurrency_per_conversation`, 4 (0 to 1024).
    public var toolMaxConcurrencyPerConversation = 4
    /// `allow_tools`, [] (tool names or globs): when not empty, only tools matching an entry run.
    public var allowTools: [Glob] = []
    /// `deny_tools`, [] (tool names or globs): tools matching an entry never run, whatever
    /// `allow_tools` says.
    public var denyTools: [Glob] = []
    /// `network_egress_policy`, `deny` (`deny` or `allow`).
    public var networkEgressPolicy = NetworkEgressPolicy.deny
    /// `network_allowlist`, []: hosts, `*.suffix`, `host:port`, `[v6]:port` and CIDR blocks that
    /// `allow` lets through.
    public var networkAllowlist: [NetworkAllowlistEntry] = []
    /// `network_allowed_schemes`, ["http", "https"], lowercased.
    public var networkAllowedSchemes = ["http", "https"]
    // Egress (docs/network.md): enforced by the coordinator's egress proxy.
    /// `network_denylist`, []: entries in the allowlist's forms; a match is refused whatever the
    /// allowlist says.
    public var networkDenylist: [NetworkAllowlistEntry] = []
    /// `network_host_overrides`, {}: name → address, used by the proxy instead of DNS.
    public var networkHostOverrides: [String: IPAddress] = [:]
    /// `network_max_connections_per_call`, 256; `network_max_bytes_per_call`, 1 GiB (both
    /// directions); `network_max_concurrent_connections`, 64 per project.
    public var networkMaxConnectionsPerCall = 256
    public var networkMaxBytesPerCall = 1 << 30
    public var networkMaxConcurrentConnections = 64
    /// `outside_root_allowlist`, []: entries `{"path": …}` or `{"pattern": …}`, each with a
    /// non-empty `reason_code`; a `path` entry may say `"writable": true`. Each entry is bound
    /// into the sandbox at its own path (read-only unless writable; a pattern at its directory
    /// before the first wildcard) so what the policy lets through is there for the tool.
    public var outsideRootAllowlist: [OutsideRootEntry] = []
    /// `sensitive_path_denylist`, `defaultSensitivePathDenylist`: globs over paths (see
    /// `SensitivePaths` for how they match).
    public var sensitivePathDenylist = RuntimeOptions.defaultSensitivePathDenylist.map(Glob.init)
    /// `sensitive_path_allowlist`, []: globs that override the denylist.
    public var sensitivePathAllowlist: [Glob] = []
    /// `tool_env_allowlist`, []: variable names or `PREFIX*` that calls may pass to tools.
    public var toolEnvAllowlist: [EnvPattern] = []
    /// `protocol_allowlist`, ["cli", "http", "mcp", "a2a"]: the gateways that may carry calls.
    public var protocolAllowlist = Gateway.allCases
    /// `sandbox_profile`, `default`: a built-in profile name or a profile file path, resolved
    /// when the project starts.
    public var sandboxProfile = "default"
    /// `conversation_max_queue_size`, 256 (1 to 65536): events waiting in one conversation before
    /// `conversation.queue.overflow`; also the count bound of its kept results (`Project.keptResults`).
    public var conversationMaxQueueSize = 256
    /// `conversation_max_kept_result_bytes`, 8 MiB (64 KiB to 1 GiB): the finished results one
    /// conversation keeps for read-back, by the bytes of their outputs; the oldest go first.
    public var conversationMaxKeptResultBytes = 8 << 20
    /// `project_max_kept_result_bytes`, 64 MiB (1 MiB to 64 GiB): the finished results all of one
    /// project's conversations keep together; past it a conversation forgets its own oldest first
    /// (`KeptResultsBudget`).
    public var projectMaxKeptResultBytes = 64 << 20
    /// `project_max_conversations`, 1024 (1 to 100000): conversations running at once in one
    /// project; one more is refused `conversation_budget` (a client cannot grow the daemon's
    /// memory by starting conversations).
    public var projectMaxConversations = 1024
    /// `strict_asset_loading`, false: whether one invalid skill, command or workflow fails the
    /// project's start instead of being skipped with a diagnostic.
    public var strictAssetLoading = false
    /// `watcher`, true: reload assets when their files change.
    public var watcher = true
    /// `watcher_debounce_ms`, 250 (0 to 60000).
    public var watcherDebounceMs = 250
    /// `data_dir`, `.jido/state`: where the project's state lives, relative to the root, without
    /// `..`, so it cannot be pointed at another project's state.
    public var dataDir = ".jido/state"
    /// `asset_max_files`, 1000 (1 to 100000): asset files one snapshot reads; the rest are
    /// `limit_reached` asset errors.
    public var assetMaxFiles = 1000
    /// `asset_max_total_bytes`, 16777216 (1024 to 1073741824): bytes one snapshot reads, summed
    /// over its files by their `fstat` size (a sparse file counts at its full size, which is what
    /// reading it would allocate); files past it are `limit_reached` asset errors.
    public var assetMaxTotalBytes = 16 << 20
    /// `watcher_max_directories`, 256 (1 to 8192): inotify watches (one per directory under
    /// `.jido/`) one project may hold from the host's per-user budget.
    public var watcherMaxDirectories = 256
    /// `watcher_max_depth`, 8 (1 to 32): directory levels below `.jido/` the watcher and the
    /// loader enter.
    public var watcherMaxDepth = 8
    /// `protected_path_exceptions`, []: entries `{"path": …, "reason_code": …}`, each lifting one
    /// entry of the protected paths (`ProtectedPaths`) so `fs.write` may write there; each use is
    /// recorded as `security.sandbox_exception_used`.
    public var protectedPathExceptions: [ProtectedPathException] = []
    /// `llm_*`, `max_turn_steps`, `llm_context_budget_bytes`: the model a conversation's turns
    /// ask (`LLMOptions`); none by default, and then messages are only journaled.
    public var llm = LLMOptions()

    /// Credentials and keys as commonly named: dotenv files, PEM and key files, SSH keys and
    /// config, and the credential files of netrc, npm, PyPI, git, AWS, Docker and Kubernetes.
    public static let defaultSensitivePathDenylist = [
        ".env", ".env.*", "*.pem", "*.key", "*.p12", "*.pfx", "id_rsa", "id_dsa", "id_ed25519", "id_ecdsa", ".netrc",
        ".npmrc", ".pypirc", ".pgpass", ".git-credentials", ".aws/credentials", ".ssh/*", ".docker/config.json",
        ".kube/config",
    ]

    public init() {}
}
