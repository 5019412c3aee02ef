import Sandbox
import Yams

/// One step of a workflow: a tool call (a command, or a tool of the catalog) whose arguments may
/// refer to the workflow's inputs (`{{inputs.x}}`) and to earlier steps' results
/// (`{{steps.<id>.stdout}}`, `{{steps.<id>.exit_code}}`, or any other member of that step's
/// output, and `{{steps.<id>.status}}`).
public struct WorkflowStep: Sendable, Equatable {
    public var id: String
    /// The tool the step calls: `command.run.<name>` for `command:` steps.
    public var tool: String
    /// The command a `command:` step names; nil for `tool:` steps.
    public var command: String?
    /// Argument values as written; strings are templates rendered per run.
    public var arguments: JSONValue

    static func parse(_ node: Node, index: Int, earlier: [String], inputs: Set<String>, lineOffset: Int)
        throws(AssetParseError) -> WorkflowStep
    {
        let line = node.mark.map { $0.line + lineOffset }
        guard case .mapping(let mapping) = node else { throw .field(line, "workflow: steps[\(index)] must be a mapping") }
        let fields = YAMLMapping(mapping: mapping, lineOffset: lineOffset, line: line)
        let context = "workflow: steps[\(index)]"
        try fields.requireKnownKeys(["id", "command", "tool", "args"], in: context)
        let id = try fields.string("id", required: true, in: context) ?? ""
        try AssetName.validate(id, line: line, context: context)
        guard !earlier.contains(id) else { throw .field(line, "\(context): id '\(id)' is used by an earlier step") }
        let tool: String
        var command: String?
        switch (try fields.string("command", in: context), try fields.string("tool", in: context)) {
        case (let name?, nil):
            try AssetName.validate(name, line: line, context: "\(context) command")
            command = name
            tool = "command.run.\(name)"
        case (nil, let name?):
            guard !name.hasPrefix("workflow.") else {
                throw .field(line, "\(context): a workflow cannot run a workflow ('\(name)')")
            }
            guard name.hasPrefix("command.run.") || ToolCatalog.builtin.tool(named: name) != nil else {
                throw AssetParseError(.unknownReference, line: line, "\(context): no tool named '\(name)'")
            }
            tool = name
        default:
            throw .field(line, "\(context): needs exactly one of 'command' and 'tool'")
        }
        let arguments = fields["args"].map(YAMLMapping.json) ?? [:]
        guard arguments.objectValue != nil else { throw .field(line, "\(context): 'args' must be a mapping") }
        try Self.checkReferences(arguments, earlier: Set(earlier), inputs: inputs, line: line, context: context)
        return WorkflowStep(id: id, tool: tool, command: command, arguments: arguments)
    }

    /// Every placeholder must parse and name a declared input or an earlier step.
    private static func checkReferences(
        _ value: JSONValue, earlier: Set<String>, inputs: Set<String>, line: Int?, context: String
    ) throws(AssetParseError) {
        switch value {
        case .string(let text):
            let template: TemplateText
            switch TemplateText.parse(text) {
            case .success(let parsed): template = parsed
            case .failure(let error): throw .field(line, "\(context): \(error.reason)")
            }
            for reference in template.references {
                switch WorkflowReference(reference) {
                case .input(let name)? where inputs.contains(name): continue
                case .step(let id, _)? where earlier.contains(id): continue
                case .input(let name)?: throw .field(line, "\(context): '{{\(reference)}}': no input named '\(name)'")
                case .step(let id, _)?:
                    throw .field(line, "\(context): '{{\(reference)}}': '\(id)' is not an earlier step")
                case nil:
                    throw .field(line, "\(context): '{{\(reference)}}' must be inputs.<name> or steps.<id>.<field>")
                }
            }
        case .array(let elements):
            for element in elements {
                try checkReferences(element, earlier: earlier, inputs: inputs, line: line, context: context)
            }
        case .object(let members):
            for (_, member) in members {
                try checkReferences(member, earlier: earlier, inputs: inputs, line: line, context: context)
            }
        case .null, .bool, .int, .uint, .double:
            break
        }
    }
}

/// What a workflow placeholder refers to.
enum WorkflowReference: Equatable {
    case input(String)
    case step(id: String, field: String)

    init?(_ reference: String) {
        let parts = reference.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("inputs", 2): self = .input(parts[1])
        case ("steps", 3): self = .step(id: parts[1], field: parts[2])
        default: return nil
        }
    }
}
