import Sandbox

/// The tools a project offers, by name, each with its input schema: the built-in tools, plus
/// `command.run.<name>` and `workflow.run.<name>` from the project's current asset snapshot, plus
/// the commands and workflows that did not load, listed as invalid with their reason.
public struct ToolCatalog: Sendable {
    private let tools: [String: ToolDefinition]
    /// Definitions that did not load, sorted by path; they never run.
    public let invalid: [InvalidTool]

    public init(tools: [ToolDefinition], invalid: [InvalidTool] = []) {
        var byName: [String: ToolDefinition] = [:]
        for tool in tools {
            precondition(byName[tool.name] == nil, "two tools named \(tool.name)")
            byName[tool.name] = tool
        }
        self.tools = byName
        self.invalid = invalid.sorted { $0.path < $1.path }
    }

    /// This catalog with more tools (names must be new) and invalid entries.
    public func adding(_ more: [ToolDefinition], invalid: [InvalidTool]) -> ToolCatalog {
        ToolCatalog(tools: Array(tools.values) + more, invalid: self.invalid + invalid)
    }

    /// The invalid definition that would have been `name`, if any.
    public func invalidTool(named name: String) -> InvalidTool? { invalid.first { $0.tool == name } }

    /// Every tool as `tools/list` shows it, then the invalid definitions.
    public var json: JSONValue {
        ["tools": .array(all.map(\.json)), "invalid": .array(invalid.map(\.json))]
    }

    /// The built-in tools: files, shell and assets.
    public static let builtin = ToolCatalog(tools: [
        fsRead, fsWrite, fsList, fsSearch, shellRun, assetList, assetSearch, assetGet,
    ])

    public func tool(named name: String) -> ToolDefinition? { tools[name] }

    /// Every tool, sorted by name.
    public var all: [ToolDefinition] { tools.values.sorted { $0.name < $1.name } }

    /// A path argument: relative to the project root (absolute host paths under the root work too).
    private static func pathSchema(_ description: String) -> JSONValue {
        ["type": "string", "minLength": 1, "maxLength": 4096, "description": .string(description)]
    }
    private static func assetKind(_ description: String) -> JSONValue {
        [
            "type": "string", "enum": .array(AssetKind.allCases.map { .string($0.rawValue) }),
            "description": .string(description),
        ]
    }

    static let fsRead = ToolDefinition(
        name: "fs.read",
        description: """
            Read a file of the project, optionally a byte range. Text comes back as `content`; bytes that are not \
            UTF-8 as base64 with `encoding: base64`. A read larger than the output cap is cut: `truncated` is \
            true and `next_offset` says where to go on. A missing path fails with not_found, a directory with \
            is_a_directory, anything else that is not a regular file with not_a_file.
            """,
        inputSchema: [
            "type": "object", "required": ["path"], "additionalProperties": false,
            "properties": [
                "path": pathSchema("The file, relative to the project root."),
                "offset": [
                    "type": "integer", "minimum": 0, "description": "The first byte to read (default 0).",
                ],
                "limit": [
                    "type": "integer", "minimum": 0, "maximum": 1_073_741_824,
                    "description": "At most this many bytes (default: to the end, cut at the output cap).",
                ],
            ],
        ],
        hints: ArgumentHints(), execution: .sandboxed(FileReadTool()))

    static let fsWrite = ToolDefinition(
        name: "fs.write",
        description: """
            Create or replace a file of the project (at most 1 MiB). Missing parent directories are created; \
            the file gets mode 0644. For binary content, send its base64 with `encoding: base64`.
            """,
        inputSchema: [
            "type": "object", "required": ["path", "content"], "additionalProperties": false,
            "properties": [
                "path": pathSchema("The file, relative to the project root; its directories are created."),
                "content": ["type": "string", "description": "The file's new content (text, or base64 with encoding)."],
                "encoding": [
                    "type": "string", "enum": ["utf8", "base64"],
                    "description": "How content is written: utf8 (the default) or base64 for binary files.",
                ],
            ],
        ],
        hints: ArgumentHints(dataKeys: ["content"]), execution: .sandboxed(FileWriteTool()))

    static let fsList = ToolDefinition(
        name: "fs.list", description: "List the entries of a directory of the project: name, type and size, sorted by name.",
        inputSchema: [
            "type": "object", "required": ["path"], "additionalProperties": false,
            "properties": ["path": pathSchema("The directory, relative to the project root (`.` for the root).")],
        ],
        hints: ArgumentHints(), execution: .sandboxed(FileListTool()))

    static let fsSearch = ToolDefinition(
        name: "fs.search",
        description: """
            Find lines matching an extended regular expression in the project's files (binary files skipped). \
            Past the output cap the first matches are returned with `truncated: true`.
            """,
        inputSchema: [
            "type": "object", "required": ["pattern"], "additionalProperties": false,
            "properties": [
                "pattern": [
                    "type": "string", "minLength": 1, "maxLength": 4096,
                    "description": "An extended regular expression (grep -E).",
                ],
                "path": pathSchema("A file or directory to search, relative to the project root (default: the root)."),
            ],
        ],
        hints: ArgumentHints(dataKeys: ["pattern"]), execution: .sandboxed(FileSearchTool()))

    static let shellRun = ToolDefinition(
        name: "shell.run",
        description: """
            Run a program (argv) or a /bin/sh script in the project's sandbox. The answer holds exit_code, \
            signal, stdout and stderr (base64 with stdout_encoding/stderr_encoding when not UTF-8); output past \
            the cap is cut and flagged (stdout_truncated). A non-zero exit code is the program's answer.
            """,
        inputSchema: [
            "type": "object", "additionalProperties": false,
            "properties": [
                "argv": [
                    "type": "array", "minItems": 1, "items": ["type": "string", "minLength": 1],
                    "description": "The program and its arguments, run without a shell. Give argv or script.",
                ],
                "script": [
                    "type": "string", "minLength": 1, "description": "A script for /bin/sh -c. Give argv or script.",
                ],
                "cwd": pathSchema("The working directory, relative to the project root (default: the root)."),
                "env": [
                    "type": "object",
                    "additionalProperties": ["type": "string"],
                    "description": "Environment variables to set; each name must be in the policy's tool_env_allowlist.",
                ],
                "timeout_ms": [
                    "type": "integer", "minimum": 1, "maximum": 86_400_000,
                    "description": "A shorter wall-clock limit in milliseconds (the project's tool_timeout_ms caps it).",
                ],
            ],
        ],
        hints: ArgumentHints(), execution: .sandboxed(ShellRunTool()))

    static let assetList = ToolDefinition(
        name: "asset.list", description: "List the project's skills, commands, workflows and skill graph nodes.",
        inputSchema: [
            "type": "object", "additionalProperties": false,
            "properties": ["kind": assetKind("Only assets of this kind (default: every kind).")],
        ],
        hints: ArgumentHints(), execution: .coordinator(AssetListTool()))

    static let assetSearch = ToolDefinition(
        name: "asset.search", description: "Search the project's assets by name and description.",
        inputSchema: [
            "type": "object", "required": ["query"], "additionalProperties": false,
            "properties": [
                "query": ["type": "string", "minLength": 1, "description": "Words to find in names and descriptions."],
                "kind": assetKind("Only assets of this kind (default: every kind)."),
            ],
        ],
        hints: ArgumentHints(dataKeys: ["query"]), execution: .coordinator(AssetSearchTool()))

    static let assetGet = ToolDefinition(
        name: "asset.get", description: "Get one asset of the project.",
        inputSchema: [
            "type": "object", "required": ["kind", "name"], "additionalProperties": false,
            "properties": [
                "kind": assetKind("The asset's kind."),
                "name": ["type": "string", "minLength": 1, "description": "The asset's name (see asset.list)."],
            ],
        ],
        hints: ArgumentHints(dataKeys: ["name"]), execution: .coordinator(AssetGetTool()))
}
