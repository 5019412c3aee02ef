import Sandbox

/// A tool that runs in a sandboxed worker with the project's profile: it turns arguments into an
/// invocation and the worker's result into output. It never runs anything itself; the
/// `ExecutionRunner` does, after every stage of the gate.
public protocol SandboxedTool: Sendable {
    /// Arguments have passed the schema and the policy. Throws `invalid_arguments` for rules a
    /// schema cannot express (exactly one of `argv` and `script`).
    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation
    /// The output object of a run that ended by itself (no timeout, no limit, no exec error).
    /// Throws `tool_error` when the program reported a failure.
    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue
    /// Whether the output is the program's own stdout and stderr (`shell.run`, commands), so a
    /// streamed call may pass them on as they come; false for tools whose program prints a format
    /// the tool decodes (`fs.list`'s records).
    var outputIsTheProgramsOwn: Bool { get }
}

extension SandboxedTool {
    public var outputIsTheProgramsOwn: Bool { false }
}

/// A tool that only reads the coordinator's memory (the asset tools): it needs no sandbox.
public protocol CoordinatorTool: Sendable {
    func run(arguments: JSONValue, assets: any AssetStore) throws(ToolFailure) -> JSONValue
}

/// One entry of the catalog: the name, what the tool does, its input schema, what the schema says
/// to the policy about argument keys, and how it runs.
public struct ToolDefinition: Sendable {
    public enum Execution: Sendable {
        case sandboxed(any SandboxedTool)
        case coordinator(any CoordinatorTool)
        /// Steps, each a call through the same gate (see `ExecutionRunner`).
        case workflow(WorkflowDefinition)
    }

    public let name: String
    public let description: String
    /// A JSON Schema object, checked by `SchemaValidator` before anything else.
    public let inputSchema: JSONValue
    public let hints: ArgumentHints
    public let execution: Execution

    public init(name: String, description: String, inputSchema: JSONValue, hints: ArgumentHints, execution: Execution) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.hints = hints
        self.execution = execution
    }

    /// Name, description and schema, as `tools/list` shows them.
    public var json: JSONValue {
        ["name": .string(name), "description": .string(description), "input_schema": inputSchema]
    }
}
