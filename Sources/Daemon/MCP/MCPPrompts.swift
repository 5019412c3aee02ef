import CodeServer
import Sandbox

/// The project's skills as MCP prompts: a skill is guidance written for a model, which is what a
/// prompt template is. `prompts/get` answers the skill's body as one user message. Skills declare
/// no parameters, so a prompt takes no arguments, and one that is sent is refused by name rather
/// than ignored. Commands and workflows are not prompts: they run, and they are tools already.
enum MCPPrompts {
    static func list(_ snapshot: AssetSnapshot) -> JSONValue {
        ["prompts": .array(snapshot.skills.map { ["name": .string($0.name), "description": .string($0.description), "arguments": []] })]
    }

    static func get(
        _ params: [String: JSONValue], snapshot: AssetSnapshot, id: JSONRPCID
    ) throws(JSONRPCError) -> JSONValue {
        guard let name = params["name"]?.stringValue else {
            throw .invalidParams(field: "name", "invalid params: 'name' must be a string", id: id)
        }
        if let arguments = params["arguments"], !arguments.isNull {
            guard let members = arguments.objectValue else {
                throw .invalidParams(field: "arguments", "invalid params: 'arguments' must be an object", id: id)
            }
            if let first = members.keys.sorted().first {
                throw .invalidParams(
                    field: "arguments.\(first)", "invalid params: prompt '\(name)' takes no arguments (got '\(first)')", id: id)
            }
        }
        guard let skill = snapshot.skills.first(where: { $0.name == name }) else {
            throw .invalidParams(field: "name", "invalid params: no prompt '\(name)' (prompts are the project's skills)", id: id)
        }
        guard skill.body.utf8.count <= MCPResources.maximumBytes else {
            throw JSONRPCError(
                JSONRPCError.internalError, "prompt '\(name)' is \(skill.body.utf8.count) bytes, over the \(MCPResources.maximumBytes)-byte cap",
                data: ["limit": .int(Int64(MCPResources.maximumBytes))], id: id)
        }
        return [
            "description": .string(skill.description),
            "messages": [["role": "user", "content": ["type": "text", "text": .string(skill.body)]]],
        ]
    }
}
