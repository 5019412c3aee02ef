import Sandbox

extension RuntimeOptions {
    /// Options from a JSON object; absent keys keep their defaults. Every problem is reported, each
    /// naming its key: unknown keys, wrong types, out-of-range numbers and invalid entries.
    public static func parse(_ json: JSONValue) throws(OptionsError) -> RuntimeOptions {
        guard let members = json.objectValue else {
            throw OptionsError([OptionError(key: "$", kind: .wrongType(expected: .object, got: json))])
        }
        var reader = OptionReader()
        var options = RuntimeOptions()
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            options.apply(key, value, &reader)
        }
        options.llm.checkComplete(&reader)
        guard reader.errors.isEmpty else { throw OptionsError(reader.errors) }
        return options
    }

    /// Options from command-line `KEY=VALUE` words. A value is read as JSON when it is JSON
    /// (`tool_timeout_ms=5000`, `allow_tools=["fs.*"]`) and as a string otherwise
    /// (`network_egress_policy=allow`); quote it as JSON to force a string (`sandbox_profile='"7"'`).
    public static func parse(assignments: [String]) throws(OptionsError) -> RuntimeOptions {
        var errors: [OptionError] = []
        var members: [String: JSONValue] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                errors.append(OptionError(key: assignment, kind: .notAnAssignment))
                continue
            }
            let key = String(assignment[..<equals])
            let text = String(assignment[assignment.index(after: equals)...])
            guard members[key] == nil else {
                errors.append(OptionError(key: key, kind: .duplicateKey))
                continue
            }
            members[key] = (try? JSONParser.parse(text)) ?? .string(text)
        }
        var options = RuntimeOptions()
        do {
            options = try parse(.object(members))
        } catch {
            errors += error.errors
        }
        guard errors.isEmpty else { throw OptionsError(errors) }
        return options
    }

    /// Sets the option `key` from `value` when it is valid.
    private mutating func apply(_ key: String, _ value: JSONValue, _ reader: inout OptionReader) {
        func set<T>(_ property: inout T, _ parsed: T?) {
            if let parsed { property = parsed }
        }
        switch key {
        case "tool_timeout_ms": set(&toolTimeoutMs, reader.integer(value, key, in: 1...86_400_000))
        case "tool_timeout_alert_threshold": set(&toolTimeoutAlertThreshold, reader.integer(value, key, in: 1...10_000))
        case "tool_timeout_alert_window_ms":
            set(&toolTimeoutAlertWindowMs, reader.integer(value, key, in: 1...604_800_000))
        case "tool_max_output_bytes": set(&toolMaxOutputBytes, reader.integer(value, key, in: 0...Int(Int32.max)))
        case "tool_max_artifact_bytes": set(&toolMaxArtifactBytes, reader.integer(value, key, in: 0...Int(Int32.max)))
        case "tool_max_concurrency": set(&toolMaxConcurrency, reader.integer(value, key, in: 0...1024))
        case "tool_max_concurrency_per_conversation":
            set(&toolMaxConcurrencyPerConversation, reader.integer(value, key, in: 0...1024))
        case "allow_tools": set(&allowTools, reader.list(value, key, Self.toolPattern))
        case "deny_tools": set(&denyTools, reader.list(value, key, Self.toolPattern))
        case "network_egress_policy": set(&networkEgressPolicy, reader.word(value, key, as: NetworkEgressPolicy.self))
        case "network_allowlist": set(&networkAllowlist, reader.list(value, key, Self.networkEntry))
        case "network_allowed_schemes": set(&networkAllowedSchemes, reader.list(value, key, Self.scheme))
        case "network_denylist": set(&networkDenylist, reader.list(value, key, Self.networkEntry))
        case "network_host_overrides": set(&networkHostOverrides, Self.hostOverrides(value, key, &reader))
        case "network_max_connections_per_call":
            set(&networkMaxConnectionsPerCall, reader.integer(value, key, in: 0...1_000_000))
        case "network_max_bytes_per_call": set(&networkMaxBytesPerCall, reader.integer(value, key, in: 0...Int.max))
        case "network_max_concurrent_connections":
            set(&networkMaxConcurrentConnections, reader.integer(value, key, in: 0...65_536))
        case "outside_root_allowlist": set(&outsideRootAllowlist, reader.list(value, key, Self.outsideRootEntry))
        case "sensitive_path_denylist": set(&sensitivePathDenylist, reader.list(value, key, Self.pathPattern))
        case "sensitive_path_allowlist": set(&sensitivePathAllowlist, reader.list(value, key, Self.pathPattern))
        case "tool_env_allowlist": set(&toolEnvAllowlist, reader.list(value, key, Self.envPattern))
        case "protocol_allowlist":
            set(
                &protocolAllowlist,
                reader.list(value, key) { reader, element, key in reader.word(element, key, as: Gateway.self) })
        case "sandbox_profile": set(&sandboxProfile, reader.string(value, key))
        case "conversation_max_queue_size": set(&conversationMaxQueueSize, reader.integer(value, key, in: 1...65_536))
        case "conversation_max_kept_result_bytes":
            set(&conversationMaxKeptResultBytes, reader.integer(value, key, in: 65_536...1_073_741_824))
        case "project_max_kept_result_bytes":
            set(&projectMaxKeptResultBytes, reader.integer(value, key, in: 1_048_576...68_719_476_736))
        case "project_max_conversations": set(&projectMaxConversations, reader.integer(value, key, in: 1...100_000))
        case "strict_asset_loading": set(&strictAssetLoading, reader.bool(value, key))
        case "watcher": set(&watcher, reader.bool(value, key))
        case "watcher_debounce_ms": set(&watcherDebounceMs, reader.integer(value, key, in: 0...60_000))
        case "data_dir": set(&dataDir, Self.relativePath(value, key, &reader))
        case "asset_max_files": set(&assetMaxFiles, reader.integer(value, key, in: 1...100_000))
        case "asset_max_total_bytes": set(&assetMaxTotalBytes, reader.integer(value, key, in: 1024...(1 << 30)))
        case "watcher_max_directories": set(&watcherMaxDirectories, reader.integer(value, key, in: 1...8192))
        case "watcher_max_depth": set(&watcherMaxDepth, reader.integer(value, key, in: 1...32))
        case "protected_path_exceptions":
            set(&protectedPathExceptions, reader.list(value, key, Self.protectedPathException))
        default: if !llm.apply(key, value, &reader) { reader.fail(key, .unknownKey) }
        }
    }

    // MARK: Entries

    private static func toolPattern(_ reader: inout OptionReader, _ value: JSONValue, _ key: String) -> Glob? {
        guard let text = reader.string(value, key) else { return nil }
        guard !text.contains(where: \.isWhitespace) else {
            reader.fail(key, .invalidToolPattern)
            return nil
        }
        return Glob(text)
    }

    /// Patterns are matched against runs of path components, so a leading `/` or an empty
    /// component could never match and would only hide a mistake.
    private static func pathPattern(_ reader: inout OptionReader, _ value: JSONValue, _ key: String) -> Glob? {
        guard let text = reader.string(value, key) else { return nil }
        guard !text.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            reader.fail(key, .invalidPathPattern)
            return nil
        }
        return Glob(text)
    }

    private static func networkEntry(
        _ reader: inout OptionReader, _ value: JSONValue, _ key: String
    ) -> NetworkAllowlistEntry? {
        guard let text = reader.string(value, key) else { return nil }
        do {
            return try NetworkAllowlistEntry(parsing: text)
        } catch {
            reader.fail(key, .invalidNetworkEntry(error))
            return nil
        }
    }

    private static func scheme(_ reader: inout OptionReader, _ value: JSONValue, _ key: String) -> String? {
        guard let text = reader.string(value, key) else { return nil }
        guard let first = text.first, first.isASCII, first.isLetter,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else {
            reader.fail(key, .invalidScheme)
            return nil
        }
        return text.lowercased()
    }

    private static func envPattern(_ reader: inout OptionReader, _ value: JSONValue, _ key: String) -> EnvPattern? {
        guard let text = reader.string(value, key) else { return nil }
        guard let pattern = EnvPattern(text) else {
            reader.fail(key, .invalidEnvironmentPattern)
            return nil
        }
        return pattern
    }

    private static func outsideRootEntry(
        _ reader: inout OptionReader, _ value: JSONValue, _ key: String
    ) -> OutsideRootEntry? {
        guard let members = reader.object(value, key, keys: ["path", "pattern", "reason_code", "writable"]) else { return nil }
        let reasonCode = reasonCode(members["reason_code"], "\(key).reason_code", &reader)
        var writable = false
        if let given = members["writable"] { writable = reader.bool(given, "\(key).writable") ?? false }
        if writable && members["pattern"] != nil {
            reader.fail("\(key).writable", .writableNeedsPath)
            return nil
        }
        let match: OutsideRootEntry.Match?
        switch (members["path"], members["pattern"]) {
        case (let path?, nil):
            match = absolutePath(path, "\(key).path", &reader).map(OutsideRootEntry.Match.path)
        case (nil, let pattern?):
            match = absolutePattern(pattern, "\(key).pattern", &reader).map(OutsideRootEntry.Match.pattern)
        default:
            reader.fail(key, .exactlyOneOf(["path", "pattern"]))
            match = nil
        }
        guard let match, let reasonCode else { return nil }
        return OutsideRootEntry(match: match, reasonCode: reasonCode, writable: writable)
    }

    private static func protectedPathException(
        _ reader: inout OptionReader, _ value: JSONValue, _ key: String
    ) -> ProtectedPathException? {
        guard let members = reader.object(value, key, keys: ["path", "reason_code"]) else { return nil }
        let reasonCode = reasonCode(members["reason_code"], "\(key).reason_code", &reader)
        guard let pathValue = members["path"] else {
            reader.fail("\(key).path", .required)
            return nil
        }
        guard let path = relativePath(pathValue, "\(key).path", &reader), let reasonCode else { return nil }
        return ProtectedPathException(path: path, reasonCode: reasonCode)
    }

    private static func reasonCode(_ value: JSONValue?, _ key: String, _ reader: inout OptionReader) -> String? {
        guard let value else {
            reader.fail(key, .required)
            return nil
        }
        guard let text = reader.string(value, key) else { return nil }
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
            reader.fail(key, .invalidReasonCode)
            return nil
        }
        return text
    }

    /// An exception names one exact place: absolute, normal, without `..`, and never `/`.
    private static func absolutePath(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> String? {
        guard let text = reader.string(value, key) else { return nil }
        let components = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if !text.hasPrefix("/") {
            reader.fail(key, .notAbsolutePath)
        } else if text == "/" {
            reader.fail(key, .rootPath)
        } else if components.contains("..") {
            reader.fail(key, .pathWithDotDot)
        } else if components.contains(where: { $0.isEmpty || $0 == "." }) {
            reader.fail(key, .unnormalizedPath)
        } else {
            return text
        }
        return nil
    }

    private static func absolutePattern(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> Glob? {
        guard let text = reader.string(value, key) else { return nil }
        guard text.hasPrefix("/") else {
            reader.fail(key, .notAbsolutePath)
            return nil
        }
        guard !text.split(separator: "/").contains("..") else {
            reader.fail(key, .pathWithDotDot)
            return nil
        }
        return Glob(text)
    }

    /// Relative to the project root and without `..` (`data_dir`, a protected path exception), so
    /// it names a place in the project's own tree.
    private static func relativePath(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> String? {
        guard let text = reader.string(value, key) else { return nil }
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        if text.hasPrefix("/") {
            reader.fail(key, .notRelativePath)
        } else if components.contains("..") {
            reader.fail(key, .pathWithDotDot)
        } else if components.contains(where: { $0.isEmpty || $0 == "." }) {
            reader.fail(key, .unnormalizedPath)
        } else {
            return text
        }
        return nil
    }
}
