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

    private static let pathSchema: JSONValue = ["type": "string", "minLength": 1, "maxLength": 4096]
    private static let assetKind: JSONValue = [
        "type": "string", "enum": .array(AssetKind.allCases.map { .string($0.rawValue) }),
    ]

    static let fsRead = ToolDefinition(
        name: "fs.read", description: "Read a file of the project, optionally a byte range.",
        inputSchema: [
            "type": "object", "required": ["path"], "additionalProperties": false,
            "properties": [
                "path": pathSchema,
                "offset": ["type": "integer", "minimum": 0],
                "limit": ["type": "integer", "minimum": 0, "maximum": 1_073_741_824],
            ],
        ],
        hints: ArgumentHints(), execution: .sandboxed(FileReadTool()))

    static let fsWrite = ToolDefinition(
        name: "fs.write", description: "Create or replace a file of the project.",
        inputSchema: [
            "type": "object", "required": ["path", "content"], "additionalProperties": false,
            "properties": ["path": pathSchema, "content": ["type": "string"]],
        ],
        hints: ArgumentHints(dataKeys: ["content"]), execution: .sandboxed(FileWriteTool()))

    static let fsList = ToolDefinition(
        name: "fs.list", description: "List the entries of a directory of the project.",
        inputSchema: [
            "type": "object", "required": ["path"], "additionalProperties": false, "properties": ["path": pathSchema],
        ],
        hints: ArgumentHints(), execution: .sandboxed(FileListTool()))

    static let fsSearch = ToolDefinition(
        name: "fs.search", description: "Find lines matching an extended regular expression in the project's files.",
        inputSchema: [
            "type": "object", "required": ["pattern"], "additionalProperties": false,
            "properties": ["pattern": ["type": "string", "minLength": 1, "maxLength": 4096], "path": pathSchema],
        ],
        hints: ArgumentHints(dataKeys: ["pattern"]), execution: .sandboxed(FileSearchTool()))

    static let shellRun = ToolDefinition(
        name: "shell.run", description: "Run a program (argv) or a /bin/sh script in the project's sandbox.",
        inputSchema: [
            "type": "object", "additionalProperties": false,
            "properties": [
                "argv": ["type": "array", "minItems": 1, "items": ["type": "string", "minLength": 1]],
                "script": ["type": "string", "minLength": 1],
                "cwd": pathSchema,
                "env": [
                    "type": "object",
                    "additionalProperties": ["type": "string"],
                ],
                "timeout_ms": ["type": "integer", "minimum": 1, "maximum": 86_400_000],
            ],
        ],
        hints: ArgumentHints(), execution: .sandboxed(ShellRunTool()))

    static let assetList = ToolDefinition(
        name: "asset.list", description: "List the project's skills, commands, workflows and skill graph nodes.",
        inputSchema: ["type": "object", "additionalProperties": false, "properties": ["kind": assetKind]],
        hints: ArgumentHints(), execution: .coordinator(AssetListTool()))

    static let assetSearch = ToolDefinition(
        name: "asset.search", description: "Search the project's assets by name and description.",
        inputSchema: [
            "type": "object", "required": ["query"], "additionalProperties": false,
            "properties": ["query": ["type": "string", "minLength": 1], "kind": assetKind],
        ],
        hints: ArgumentHints(dataKeys: ["query"]), execution: .coordinator(AssetSearchTool()))

    static let assetGet = ToolDefinition(
        name: "asset.get", description: "Get one asset of the project.",
        inputSchema: [
            "type": "object", "required": ["kind", "name"], "additionalProperties": false,
            "properties": ["kind": assetKind, "name": ["type": "string", "minLength": 1]],
        ],
        hints: ArgumentHints(dataKeys: ["name"]), execution: .coordinator(AssetGetTool()))
}
