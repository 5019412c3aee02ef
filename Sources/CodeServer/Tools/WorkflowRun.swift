import Sandbox

/// The state of one workflow call between its steps: the inputs, each finished step's result,
/// and which steps failed. Pure: the runner performs each step through the gate and records it
/// here; this renders the next step's arguments and builds the final output.
struct WorkflowRun {
    let definition: WorkflowDefinition
    /// The call's arguments with defaults filled in.
    private let inputs: [String: JSONValue]
    private var records: [JSONValue] = []
    private var results: [String: (status: String, output: JSONValue)] = [:]
    private(set) var failedSteps: [String] = []

    init(_ definition: WorkflowDefinition, arguments: JSONValue) {
        self.definition = definition
        var inputs: [String: JSONValue] = [:]
        for input in definition.inputs {
            if let value = input.value(in: arguments) { inputs[input.name] = value }
        }
        self.inputs = inputs
    }

    /// The step's arguments with every placeholder resolved; a sentence when one has no value
    /// (an optional input left out, a field the earlier step's output lacks).
    func arguments(for step: WorkflowStep) -> Result<JSONValue, WorkflowRenderError> {
        render(step.arguments)
    }

    /// A step that ran (or was refused) through the gate.
    mutating func record(_ step: WorkflowStep, _ result: ToolResult) {
        let exitCode = result.output?["exit_code"]
        let failed = result.status != .completed || (exitCode?.intValue).map { $0 != 0 } == true
        var record: [String: JSONValue] = [
            "id": .string(step.id), "tool": .string(step.tool), "status": .string(failed ? "failed" : "completed"),
            "call_id": .string(result.callId),
        ]
        if let reason = result.reason { record["reason"] = .string(reason.rawValue) }
        if let message = result.message { record["message"] = .string(message) }
        if let output = result.output { record["output"] = output }
        if failed { failedSteps.append(step.id) }
        records.append(.object(record))
        results[step.id] = (failed ? "failed" : "completed", result.output ?? [:])
    }

    /// A step whose arguments could not be rendered: it fails without running.
    mutating func record(_ step: WorkflowStep, renderError: WorkflowRenderError) {
        records.append([
            "id": .string(step.id), "tool": .string(step.tool), "status": "failed", "reason": "invalid_arguments",
            "message": .string(renderError.reason),
        ])
        failedSteps.append(step.id)
        results[step.id] = ("failed", [:])
    }

    /// Whether the step just recorded failed.
    func failed(_ step: WorkflowStep) -> Bool { failedSteps.last == step.id }

    /// `{workflow, status, failed_step, failed_steps, steps}`; `failed_step` is the first that failed.
    var output: JSONValue {
        [
            "workflow": .string(definition.name), "status": .string(failedSteps.isEmpty ? "completed" : "failed"),
            "failed_step": failedSteps.first.map(JSONValue.string) ?? .null,
            "failed_steps": .array(failedSteps.map(JSONValue.string)), "steps": .array(records),
        ]
    }

    private func render(_ value: JSONValue) -> Result<JSONValue, WorkflowRenderError> {
        switch value {
        case .string(let text):
            // Validated at load; a parse failure here would be a loader bug, so it is reported, not trapped.
            guard case .success(let template) = TemplateText.parse(text) else {
                return .failure(WorkflowRenderError(reason: "'\(text)' is not a valid template"))
            }
            // A lone placeholder keeps its value's type (an integer input stays an integer).
            if let reference = template.soleReference { return lookup(reference) }
            var missing: WorkflowRenderError?
            let rendered = template.render { reference in
                switch lookup(reference) {
                case .success(let value): return ParameterSpec.text(value)
                case .failure(let error):
                    missing = error
                    return nil
                }
            }
            if let rendered { return .success(.string(rendered)) }
            return .failure(missing ?? WorkflowRenderError(reason: "'\(text)' could not be rendered"))
        case .array(let elements):
            var out: [JSONValue] = []
            for element in elements {
                switch render(element) {
                case .success(let value): out.append(value)
                case .failure(let error): return .failure(error)
                }
            }
            return .success(.array(out))
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, member) in members {
                switch render(member) {
                case .success(let value): out[key] = value
                case .failure(let error): return .failure(error)
                }
            }
            return .success(.object(out))
        case .null, .bool, .int, .uint, .double:
            return .success(value)
        }
    }

    private func lookup(_ reference: String) -> Result<JSONValue, WorkflowRenderError> {
        switch WorkflowReference(reference) {
        case .input(let name)?:
            guard let value = inputs[name] else {
                return .failure(WorkflowRenderError(reason: "{{\(reference)}}: the input was not given and has no default"))
            }
            return .success(value)
        case .step(let id, let field)?:
            guard let result = results[id] else {
                return .failure(WorkflowRenderError(reason: "{{\(reference)}}: step '\(id)' did not run"))
            }
            if field == "status" { return .success(.string(result.status)) }
            guard let value = result.output[field] else {
                return .failure(WorkflowRenderError(reason: "{{\(reference)}}: step '\(id)' has no '\(field)' in its output"))
            }
            return .success(value)
        case nil:
            return .failure(WorkflowRenderError(reason: "{{\(reference)}} is not a workflow reference"))
        }
    }
}

struct WorkflowRenderError: Error, Sendable, Equatable {
    var reason: String
}
