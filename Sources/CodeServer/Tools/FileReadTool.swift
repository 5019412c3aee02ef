import Sandbox

/// `fs.read {path, offset?, limit?}`: bytes of one file, from `offset`, at most `limit`.
///
/// Runs `dd` directly (no shell): the path is one argv element after `if=`, which dd splits at
/// the first `=` only, so no file name can become an option or a command. `skip_bytes` and
/// `count_bytes` make offset and limit byte counts while dd still reads in large blocks.
struct FileReadTool: SandboxedTool {
    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        let path = layout.sandboxPath(arguments["path"]?.stringValue ?? "")
        var argv = ["/usr/bin/dd", "if=\(path)", "bs=65536", "status=none", "iflag=skip_bytes,count_bytes"]
        argv.append("skip=\(arguments["offset"]?.intValue ?? 0)")
        if let limit = arguments["limit"]?.intValue { argv.append("count=\(limit)") }
        return SandboxInvocation(argv: argv)
    }

    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue {
        guard result.exitCode == 0 else { throw ProgramOutput.failure(result, "reading the file") }
        return [
            "path": .string(arguments["path"]?.stringValue ?? ""), "content": .string(ProgramOutput.text(result.stdout)),
            "bytes": .int(Int64(result.stdout.count)),
        ]
    }
}
