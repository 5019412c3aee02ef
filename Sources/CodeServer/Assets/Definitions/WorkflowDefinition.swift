import Sandbox

/// A workflow: steps run in order through the project's gate as the tool `workflow.run.<name>`,
/// each step's arguments rendered from the inputs and earlier results.
public struct WorkflowDefinition: Sendable, Equatable {
    /// What a failed step does to the rest (`on_error:`).
    public enum OnError: String, Sendable, Equatable {
        /// The workflow ends at the failed step, which the result names.
        case stop
        /// Later steps still run; the result lists every failed step.
        case `continue`
    }

    public var name: String
    public var description: String
    public var inputs: [ParameterSpec]
    public var steps: [WorkflowStep]
    public var onError: OnError
    public var body: String
    public var path: String

    public var toolName: String { "workflow.run.\(name)" }

    /// Steps a workflow may have: each is a sandboxed call, and a workflow is one tool call.
    static let maximumSteps = 64

    static func parse(_ document: MarkdownDocument, path: String) throws(AssetParseError) -> WorkflowDefinition {
        let fields = document.frontMatter!
        try fields.requireKnownKeys(["name", "description", "inputs", "steps", "on_error"], in: "workflow")
        let name = try fields.string("name", required: true, in: "workflow") ?? ""
        try AssetName.validate(name, line: fields["name"].flatMap(fields.line(of:)), context: "workflow")
        let description = try fields.string("description", required: true, in: "workflow") ?? ""
        let inputs = try ParameterSpec.parseList(
            fields.mapping("inputs", context: "workflow"), reserved: [], context: "workflow: input")
        var onError = OnError.stop
        if let text = try fields.string("on_error", in: "workflow") {
            guard let choice = OnError(rawValue: text) else {
                throw .field(fields["on_error"].flatMap(fields.line(of:)), "workflow: on_error must be stop or continue")
            }
            onError = choice
        }
        guard let nodes = try fields.sequence("steps", context: "workflow"), !nodes.isEmpty else {
            throw .field(fields.line, "workflow: 'steps' must list at least one step")
        }
        guard nodes.count <= maximumSteps else {
            throw .field(fields["steps"].flatMap(fields.line(of:)), "workflow: at most \(maximumSteps) steps")
        }
        var steps: [WorkflowStep] = []
        for (index, node) in nodes.enumerated() {
            steps.append(
                try WorkflowStep.parse(
                    node, index: index, earlier: steps.map(\.id), inputs: Set(inputs.map(\.name)),
                    lineOffset: fields.lineOffset))
        }
        return WorkflowDefinition(
            name: name, description: description, inputs: inputs, steps: steps, onError: onError, body: document.body,
            path: path)
    }

    public var inputSchema: JSONValue { ParameterSpec.objectSchema(inputs) }

    public var json: JSONValue {
        [
            "kind": "workflow", "name": .string(name), "description": .string(description), "body": .string(body),
            "path": .string(path), "tool": .string(toolName), "input_schema": inputSchema,
            "on_error": .string(onError.rawValue),
            "steps": .array(steps.map { ["id": .string($0.id), "tool": .string($0.tool), "args": $0.arguments] }),
        ]
    }
}
