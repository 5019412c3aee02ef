import Sandbox

/// A command or workflow file that did not load: listed in the catalog with its reason, so a
/// client sees why `command.run.deploy` is missing, and refused with `invalid_definition` if
/// called. `tool` is nil when the file was too broken to name one.
public struct InvalidTool: Sendable, Equatable {
    public var tool: String?
    public var path: String
    public var reason: String

    public init(tool: String?, path: String, reason: String) {
        self.tool = tool
        self.path = path
        self.reason = reason
    }

    public var json: JSONValue {
        ["name": tool.map(JSONValue.string) ?? .null, "path": .string(path), "invalid": true, "reason": .string(reason)]
    }
}
