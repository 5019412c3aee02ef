import Sandbox

/// `shell.run {argv | script, cwd?, env?, timeout_ms?}`: a program, or a script for `/bin/sh -c`,
/// in the sandbox. A non-zero exit status is the program's answer, not a failure of the call.
struct ShellRunTool: SandboxedTool {
    var outputIsTheProgramsOwn: Bool { true }

    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        let argv: [String]
        switch (arguments["argv"]?.arrayValue, arguments["script"]?.stringValue) {
        case (let list?, nil): argv = list.compactMap(\.stringValue)
        case (nil, let script?): argv = ["/bin/sh", "-c", script]
        default: throw ToolFailure(.invalidArguments, "args: needs exactly one of argv, script")
        }
        return SandboxInvocation(
            argv: argv, environment: ToolEnvironment.requested(in: arguments),
            cwd: arguments["cwd"]?.stringValue.map(layout.sandboxPath), timeoutMs: arguments["timeout_ms"]?.intValue)
    }

    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue {
        ProgramOutput.json(result)
    }
}
