import Sandbox

/// The model a project's conversations ask (`docs/agents.md`). Unset `llm_base_url` means no
/// model: user messages are journaled and nothing answers them.
///
/// The API key is never an option: `llm_api_key_env` names a variable of the daemon's
/// environment and `llm_api_key_file` a file the daemon reads, so options, events and
/// diagnostics can be shown whole without showing the key.
public struct LLMOptions: Sendable, Equatable {
    /// `llm_base_url`: the OpenAI-compatible API root (`https://api.openai.com/v1`); requests go
    /// to `BASE/chat/completions`. `https://`, or `http://` to a loopback host.
    public var baseURL: String?
    /// `llm_model`: required with `llm_base_url`.
    public var model: String?
    /// `llm_api_key_env`: the name of the daemon's environment variable holding the key.
    public var apiKeyEnv: String?
    /// `llm_api_key_file`: an absolute path the daemon reads the key from (trailing newline cut).
    public var apiKeyFile: String?
    /// `llm_timeout_ms`, 120000 (1000 to 3600000): one model request, first byte to last.
    public var timeoutMs = 120_000
    /// `llm_temperature` (0 to 2), unset: the endpoint's default.
    public var temperature: Double?
    /// `llm_max_tokens` (1 to 1000000), unset: the endpoint's default.
    public var maxTokens: Int?
    /// `llm_system_prompt`: the first message of every request, when set.
    public var systemPrompt: String?
    /// `max_turn_steps`, 32 (1 to 1024): model requests in one turn before it ends with
    /// `llm.failed` reason `max_turn_steps_exceeded`.
    public var maxTurnSteps = 32
    /// `llm_context_budget_bytes`, 262144 (4096 to 67108864): the bytes of message text sent to
    /// the model; over it, the oldest tool outputs are elided first (and the model told so).
    public var contextBudgetBytes = 256 << 10
    /// `llm_max_retries`, 3 (0 to 10): retries of a request answered 429 or 5xx.
    public var maxRetries = 3

    public init() {}

    /// Whether a model is configured.
    public var isConfigured: Bool { baseURL != nil }

    /// Applies `key` when it is one of these options; false for a key that is not.
    mutating func apply(_ key: String, _ value: JSONValue, _ reader: inout OptionReader) -> Bool {
        func set<T>(_ property: inout T, _ parsed: T?) {
            if let parsed { property = parsed }
        }
        switch key {
        case "llm_base_url": set(&baseURL, Self.url(value, key, &reader))
        case "llm_model": set(&model, Self.nonEmpty(value, key, &reader))
        case "llm_api_key_env": set(&apiKeyEnv, Self.environmentName(value, key, &reader))
        case "llm_api_key_file": set(&apiKeyFile, Self.absolutePath(value, key, &reader))
        case "llm_timeout_ms": set(&timeoutMs, reader.integer(value, key, in: 1000...3_600_000))
        case "llm_temperature": set(&temperature, Self.temperature(value, key, &reader))
        case "llm_max_tokens": set(&maxTokens, reader.integer(value, key, in: 1...1_000_000))
        case "llm_system_prompt": set(&systemPrompt, reader.string(value, key))
        case "max_turn_steps": set(&maxTurnSteps, reader.integer(value, key, in: 1...1024))
        case "llm_context_budget_bytes": set(&contextBudgetBytes, reader.integer(value, key, in: 4096...(64 << 20)))
        case "llm_max_retries": set(&maxRetries, reader.integer(value, key, in: 0...10))
        default: return false
        }
        return true
    }

    /// The options that only make sense together.
    func checkComplete(_ reader: inout OptionReader) {
        if baseURL != nil && model == nil { reader.fail("llm_model", .invalidModelSetting("required with llm_base_url")) }
        if apiKeyEnv != nil && apiKeyFile != nil {
            reader.fail("llm_api_key_env", .exactlyOneOf(["llm_api_key_env", "llm_api_key_file"]))
        }
        if baseURL == nil && (model != nil || apiKeyEnv != nil || apiKeyFile != nil) {
            reader.fail("llm_base_url", .invalidModelSetting("required with llm_model, llm_api_key_env or llm_api_key_file"))
        }
    }

    /// The options as `parse` reads them back; unset ones are absent. Never the key itself.
    var effectiveJSON: [String: JSONValue] {
        var json: [String: JSONValue] = [
            "llm_timeout_ms": .int(Int64(timeoutMs)), "max_turn_steps": .int(Int64(maxTurnSteps)),
            "llm_context_budget_bytes": .int(Int64(contextBudgetBytes)), "llm_max_retries": .int(Int64(maxRetries)),
        ]
        if let baseURL { json["llm_base_url"] = .string(baseURL) }
        if let model { json["llm_model"] = .string(model) }
        if let apiKeyEnv { json["llm_api_key_env"] = .string(apiKeyEnv) }
        if let apiKeyFile { json["llm_api_key_file"] = .string(apiKeyFile) }
        if let temperature { json["llm_temperature"] = .double(temperature) }
        if let maxTokens { json["llm_max_tokens"] = .int(Int64(maxTokens)) }
        if let systemPrompt { json["llm_system_prompt"] = .string(systemPrompt) }
        return json
    }

    private static func url(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> String? {
        guard let text = reader.string(value, key) else { return nil }
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            reader.fail(key, .invalidModelSetting("must be an https:// URL (or http:// to a loopback host)"))
            return nil
        }
        guard !text.contains(where: { $0.isWhitespace }), !text.contains("?"), !text.contains("#") else {
            reader.fail(key, .invalidModelSetting("must be a URL without whitespace, query or fragment"))
            return nil
        }
        // Credentials in the URL would be shown wherever the options are.
        let authority = text.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first ?? ""
        guard !authority.contains("@") else {
            reader.fail(key, .invalidModelSetting("must not carry credentials; use llm_api_key_env or llm_api_key_file"))
            return nil
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    private static func nonEmpty(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> String? {
        guard let text = reader.string(value, key) else { return nil }
        guard !text.isEmpty else {
            reader.fail(key, .empty)
            return nil
        }
        return text
    }

    private static func environmentName(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> String? {
        guard let text = reader.string(value, key) else { return nil }
        guard let first = text.first, first == "_" || (first.isASCII && first.isLetter),
            text.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
        else {
            reader.fail(key, .invalidModelSetting("must be the name of an environment variable (the key itself is never an option)"))
            return nil
        }
        return text
    }

    private static func absolutePath(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> String? {
        guard let text = reader.string(value, key) else { return nil }
        guard text.hasPrefix("/"), !text.split(separator: "/").contains("..") else {
            reader.fail(key, .notAbsolutePath)
            return nil
        }
        return text
    }

    private static func temperature(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> Double? {
        guard let number = value.doubleValue else {
            reader.fail(key, .invalidModelSetting("expected a number from 0 to 2"))
            return nil
        }
        guard number >= 0 && number <= 2 else {
            reader.fail(key, .invalidModelSetting("must be from 0 to 2, got \(number)"))
            return nil
        }
        return number
    }
}
