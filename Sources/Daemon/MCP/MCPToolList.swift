import CodeServer
import Sandbox

/// The project's catalog as `tools/list` answers it. Invalid commands and workflows are left
/// out: they never run, and MCP has no place for a tool that cannot be called (the daemon's
/// `/tools` route lists them, with their reasons).
enum MCPToolList {
    static func result(_ catalog: ToolCatalog) -> JSONValue {
        .object(["tools": .array(catalog.all.map(tool))])
    }

    private static func tool(_ definition: ToolDefinition) -> JSONValue {
        [
            "name": .string(definition.name), "description": .string(definition.description),
            "inputSchema": definition.inputSchema,
        ]
    }
}
