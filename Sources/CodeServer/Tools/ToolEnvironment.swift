import Sandbox

/// The environment variables a call asks to pass to its tool: the `env` object of its arguments
/// (only `shell.run`'s schema admits one). The gate hands the names to the policy, which checks
/// them against `tool_env_allowlist`, and the pairs to the worker, so an allowed variable really
/// reaches the tool and a denied one never does.
enum ToolEnvironment {
    /// Name/value pairs sorted by name, so the worker sees the same order every time.
    static func requested(in arguments: JSONValue) -> [(String, String)] {
        (arguments["env"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { name, value in
            value.stringValue.map { (name, $0) }
        }
    }
}
