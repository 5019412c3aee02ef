import Sandbox
import Testing

@testable import CodeServer

struct RuntimeOptionsTests {
    private func errors(_ json: JSONValue) -> [OptionError] {
        do {
            _ = try RuntimeOptions.parse(json)
            return []
        } catch {
            return error.errors
        }
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let options = RuntimeOptions()
        #expect(options.toolTimeoutMs == 30_000)
        #expect(options.toolTimeoutAlertThreshold == 3)
        #expect(options.toolTimeoutAlertWindowMs == 300_000)
        #expect(options.toolMaxOutputBytes == 262_144)
        #expect(options.toolMaxArtifactBytes == 131_072)
        #expect(options.toolMaxConcurrency == 8)
        #expect(options.toolMaxConcurrencyPerConversation == 4)
        #expect(options.allowTools.isEmpty && options.denyTools.isEmpty)
        #expect(options.networkEgressPolicy == .deny)
        #expect(options.networkAllowlist.isEmpty)
        #expect(options.networkAllowedSchemes == ["http", "https"])
        #expect(options.outsideRootAllowlist.isEmpty)
        #expect(options.sensitivePathAllowlist.isEmpty)
        #expect(options.toolEnvAllowlist.isEmpty)
        #expect(options.protocolAllowlist == [.cli, .http, .mcp, .a2a])
        #expect(options.sandboxProfile == "default")
        #expect(options.conversationMaxQueueSize == 256)
        #expect(!options.strictAssetLoading)
        #expect(options.watcher)
        #expect(options.watcherDebounceMs == 250)
        #expect(options.dataDir == ".jido/state")
    }

    @Test func defaultDenylistHasEveryRequiredEntry() {
        let required = [
            ".env", ".env.*", "*.pem", "*.key", "id_rsa", "id_ed25519", "id_ecdsa", ".netrc", ".npmrc", ".pypirc",
            ".git-credentials", ".aws/credentials", ".ssh/*", ".docker/config.json", ".kube/config",
        ]
        #expect(Set(required).isSubset(of: RuntimeOptions().sensitivePathDenylist.map(\.pattern)))
    }

    @Test func emptyObjectGivesTheDefaults() throws {
        #expect(try RuntimeOptions.parse([:]) == RuntimeOptions())
    }

    @Test func effectiveJSONListsEveryOptionAndReadsBack() throws {
        let keys = [
            "tool_timeout_ms", "tool_timeout_alert_threshold", "tool_timeout_alert_window_ms", "tool_max_output_bytes",
            "tool_max_artifact_bytes", "tool_max_concurrency", "tool_max_concurrency_per_conversation", "allow_tools",
            "deny_tools", "network_egress_policy", "network_allowlist", "network_allowed_schemes",
            "network_denylist", "network_host_overrides", "network_max_connections_per_call",
            "network_max_bytes_per_call", "network_max_concurrent_connections", "outside_root_allowlist", "sensitive_path_denylist", "sensitive_path_allowlist", "tool_env_allowlist",
            "protocol_allowlist", "sandbox_profile", "conversation_max_queue_size", "strict_asset_loading", "watcher",
            "watcher_debounce_ms", "data_dir", "asset_max_files", "asset_max_total_bytes", "watcher_max_directories",
            "watcher_max_depth", "protected_path_exceptions", "conversation_max_kept_result_bytes", "project_max_kept_result_bytes",
            "project_max_conversations",
            // LLMOptions: the ones with defaults; the model's URL, name and key source when set.
            "llm_timeout_ms", "max_turn_steps", "llm_context_budget_bytes", "llm_max_retries",
        ]
        #expect(RuntimeOptions().effectiveJSON.objectValue.map { Set($0.keys) } == Set(keys))
        #expect(RuntimeOptions().effectiveJSON["tool_timeout_ms"] == 30000)

        let custom: JSONValue = [
            "tool_timeout_ms": 5000, "allow_tools": ["fs.*"], "network_egress_policy": "allow",
            "network_allowlist": ["*.example.com", "10.0.0.0/8", "[::1]:8080"],
            "outside_root_allowlist": [
                ["path": "/opt/sdk", "reason_code": "sdk"], ["pattern": "/usr/share/**", "reason_code": "share"],
            ],
            "tool_env_allowlist": ["LC_*"], "protocol_allowlist": ["mcp"], "data_dir": "state",
            "asset_max_files": 10, "asset_max_total_bytes": 4096, "watcher_max_directories": 3, "watcher_max_depth": 2,
            "protected_path_exceptions": [["path": ".git/hooks", "reason_code": "hook_dev"]],
        ]
        let options = try RuntimeOptions.parse(custom)
        #expect(try RuntimeOptions.parse(options.effectiveJSON) == options)
        #expect(options.effectiveJSON["network_allowlist"] == ["*.example.com", "10.0.0.0/8", "[::1]:8080"])
    }

    @Test func valuesOverrideTheDefaults() throws {
        let options = try RuntimeOptions.parse([
            "tool_timeout_ms": 1000, "tool_max_concurrency": 0, "network_allowed_schemes": ["HTTPS"], "watcher": false,
        ])
        #expect(options.toolTimeoutMs == 1000)
        #expect(options.toolMaxConcurrency == 0, "0 is a valid quota: it refuses every call")
        #expect(options.networkAllowedSchemes == ["https"])
        #expect(!options.watcher)
        #expect(options.toolMaxOutputBytes == 262_144)
    }

    @Test func unknownKeyIsAnErrorNamingIt() {
        #expect(errors(["tool_timeout": 5]) == [OptionError(key: "tool_timeout", kind: .unknownKey)])
    }

    @Test func wrongTypeNamesTheKey() {
        #expect(
            errors(["tool_timeout_ms": "5000"]) == [
                OptionError(key: "tool_timeout_ms", kind: .wrongType(expected: .integer, got: "5000"))
            ])
        #expect(errors(["watcher": "yes"]).map(\.key) == ["watcher"])
        #expect(
            errors(["deny_tools": "fs.write"]) == [
                OptionError(key: "deny_tools", kind: .wrongType(expected: .array, got: "fs.write"))
            ])
        #expect(errors(["tool_timeout_ms": 1.5]).map(\.kind) == [.wrongType(expected: .integer, got: 1.5)])
    }

    @Test func negativeTimeoutIsOutOfRange() {
        let found = errors(["tool_timeout_ms": -1])
        #expect(found == [OptionError(key: "tool_timeout_ms", kind: .outOfRange(1...86_400_000, got: -1))])
        #expect(found[0].description == "tool_timeout_ms: expected an integer from 1 to 86400000, got -1")
    }

    @Test func badPolicyValueListsTheAllowedOnes() {
        let found = errors(["network_egress_policy": "sometimes"])
        #expect(
            found == [
                OptionError(key: "network_egress_policy", kind: .unknownValue("sometimes", allowed: ["deny", "allow"]))
            ])
    }

    @Test func emptyReasonCodeNamesTheEntryAndMember() {
        let found = errors([
            "outside_root_allowlist": [
                ["path": "/opt/a", "reason_code": "ok"], ["path": "/opt/b", "reason_code": ""],
            ]
        ])
        #expect(found == [OptionError(key: "outside_root_allowlist[1].reason_code", kind: .empty)])
    }

    @Test func outsideRootEntriesAreCheckedMemberByMember() {
        let found = errors([
            "outside_root_allowlist": [
                ["path": "/opt/a"],
                ["path": "relative", "reason_code": "x"],
                ["path": "/opt/../etc", "reason_code": "x"],
                ["path": "/", "reason_code": "x"],
                ["pattern": "/opt/*", "path": "/opt/a", "reason_code": "x"],
                ["path": "/opt/a", "reason_code": "has space"],
                ["path": "/opt/a/", "reason_code": "x", "why": "?"],
            ]
        ])
        #expect(
            found == [
                OptionError(key: "outside_root_allowlist[0].reason_code", kind: .required),
                OptionError(key: "outside_root_allowlist[1].path", kind: .notAbsolutePath),
                OptionError(key: "outside_root_allowlist[2].path", kind: .pathWithDotDot),
                OptionError(key: "outside_root_allowlist[3].path", kind: .rootPath),
                OptionError(key: "outside_root_allowlist[4]", kind: .exactlyOneOf(["path", "pattern"])),
                OptionError(key: "outside_root_allowlist[5].reason_code", kind: .invalidReasonCode),
                OptionError(key: "outside_root_allowlist[6].why", kind: .unknownKey),
            ])
    }

    @Test func listEntriesAreCheckedOneByOne() {
        let found = errors([
            "network_allowlist": ["ok.example", "10.0.0.1/8"],
            "tool_env_allowlist": ["PATH", "not a name"],
            "sensitive_path_denylist": ["/etc/shadow", "a//b"],
            "protocol_allowlist": ["mcp", "smtp"],
            "network_allowed_schemes": ["https", "1http"],
            "allow_tools": ["fs read"],
        ])
        #expect(
            found == [
                OptionError(key: "allow_tools[0]", kind: .invalidToolPattern),
                OptionError(key: "network_allowed_schemes[1]", kind: .invalidScheme),
                OptionError(key: "network_allowlist[1]", kind: .invalidNetworkEntry(.hostBitsSet)),
                OptionError(
                    key: "protocol_allowlist[1]", kind: .unknownValue("smtp", allowed: ["cli", "http", "mcp", "a2a"])),
                OptionError(key: "sensitive_path_denylist[0]", kind: .invalidPathPattern),
                OptionError(key: "sensitive_path_denylist[1]", kind: .invalidPathPattern),
                OptionError(key: "tool_env_allowlist[1]", kind: .invalidEnvironmentPattern),
            ])
    }

    @Test func dataDirStaysInsideTheProject() {
        #expect(errors(["data_dir": "/var/lib/jcs"]).map(\.kind) == [.notRelativePath])
        #expect(errors(["data_dir": "../other/state"]).map(\.kind) == [.pathWithDotDot])
        #expect(errors(["data_dir": "a//b"]).map(\.kind) == [.unnormalizedPath])
        #expect(errors(["data_dir": ""]).map(\.kind) == [.empty])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let found = errors(["tool_timeout_ms": -5, "bogus": true, "watcher_debounce_ms": 60_001, "sandbox_profile": ""])
        #expect(found.map(\.key) == ["bogus", "sandbox_profile", "tool_timeout_ms", "watcher_debounce_ms"])
    }

    @Test func optionsThatAreNotAnObjectAreRefusedAsAWhole() {
        #expect(errors(["a", "b"]) == [OptionError(key: "$", kind: .wrongType(expected: .object, got: ["a", "b"]))])
    }

    @Test func errorPrintsTheRunbookCode() {
        let error = OptionsError([OptionError(key: "x", kind: .unknownKey)])
        #expect(OptionsError.code == "invalid_runtime_opt")
        #expect(error.description.hasPrefix("invalid_runtime_opt: x: unknown option"))
    }
}
