import Sandbox

/// `fs.read {path, offset?, limit?}`: bytes of one file, from `offset`, at most `limit`.
///
/// A constant shell prelude (`FileCheck`) answers a missing path, a directory or a special file
/// with a reason of its own; then `dd` reads (the path is one argv element after `if=`, which dd
/// splits at the first `=` only, so no file name becomes an option or a command). `skip_bytes`
/// and `count_bytes` make offset and limit byte counts while dd still reads in large blocks.
///
/// Content that is not UTF-8 comes back as base64 with `encoding: base64`. A read larger than
/// the output caps is cut (`truncated`, `next_offset`, a `notice` naming the cap) by the gate's
/// `OutputTruncation`, never refused whole.
struct FileReadTool: SandboxedTool {
    static let script = FileCheck.readableFile + "\n" + #"exec /usr/bin/dd "if=$p" bs=65536 status=none iflag=skip_bytes,count_bytes "$@""#

    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        let path = layout.sandboxPath(arguments["path"]?.stringValue ?? "")
        var argv = ["/bin/sh", "-c", Self.script, "sh", path, "skip=\(arguments["offset"]?.intValue ?? 0)"]
        if let limit = arguments["limit"]?.intValue { argv.append("count=\(limit)") }
        return SandboxInvocation(argv: argv)
    }

    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue {
        let path = arguments["path"]?.stringValue ?? ""
        if let failure = FileCheck.failure(result.exitCode, path: path) { throw failure }
        // The output cap killed dd: what it printed so far is the answer, cut.
        let cut = result.limitFired == .output || result.stdoutTruncated
        guard result.exitCode == 0 || cut else { throw ProgramOutput.failure(result, "reading the file") }
        let offset = Int64(arguments["offset"]?.intValue ?? 0)
        var object: [String: JSONValue] = [
            "path": .string(path), "offset": .int(offset), "bytes": .int(Int64(result.stdout.count)),
            "truncated": .bool(cut),
        ]
        BinaryText.put(result.stdout, key: "content", encodingKey: "encoding", into: &object)
        if cut { object["next_offset"] = .int(offset + Int64(result.stdout.count)) }
        return .object(object)
    }
}
