import Sandbox

/// `command.run.<name>`: a project command as a sandboxed tool.
///
/// Parameters never become shell text or extra arguments: a `run:` template gets each value as
/// (part of) exactly one argv element (`ArgvTemplate`), and a `script:` gets them as
/// `JCS_PARAM_<NAME>` variables while its text stays as written. Those variables are set by the
/// gate, not asked for by the caller, so they are outside the policy's `tool_env_allowlist`;
/// the project profile lets the prefix through (`ProjectProfile`).
struct CommandTool: SandboxedTool {
    var outputIsTheProgramsOwn: Bool { true }

    let command: CommandDefinition
    let sandbox: SandboxOverride?

    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        var values: [String: String] = [:]
        for parameter in command.parameters {
            if let value = parameter.value(in: arguments) { values[parameter.name] = ParameterSpec.text(value) }
        }
        let argv: [String]
        var environment = ToolEnvironment.requested(in: arguments)
        switch command.action {
        case .run(let template):
            argv = template.render(values)
        case .script(let script):
            argv = ["/bin/sh", "-c", script]
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                environment.append((CommandDefinition.parameterPrefix + name.uppercased(), value))
            }
        }
        return SandboxInvocation(argv: argv, environment: environment, timeoutMs: command.timeoutMs, sandbox: sandbox)
    }

    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue {
        ProgramOutput.json(result)
    }
}
