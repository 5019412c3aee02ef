import Sandbox

/// `fs.write {path, content}`: replaces (or creates) one file with `content`, inside the sandbox,
/// so the kernel's view of the root (mounts, idmapping, the profile's writability) has the last
/// word, not the coordinator's.
///
/// The tool's stdin is /dev/null, so the content travels in argv: base64, in chunks under the
/// kernel's per-argument limit (128 KiB), decoded by `base64 -d` in the sandbox. The script is a
/// constant; the path and the chunks are positional parameters, never spliced into its text, and
/// base64 has no byte a shell or `printf` interprets (`%s` prints it verbatim). An environment
/// variable would also work, but it would have to be allowed by the profile for every call.
struct FileWriteTool: SandboxedTool {
    /// The largest content accepted: its base64 must fit in argv with room to spare (ARG_MAX is a
    /// quarter of the stack limit, 2 MiB by default).
    static let maximumContentBytes = 1 << 20
    static let chunkCharacters = 65536
    static let script = #"p=$1; shift; printf %s "$@" | /usr/bin/base64 -d > "$p""#

    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        let content = Array((arguments["content"]?.stringValue ?? "").utf8)
        guard content.count <= Self.maximumContentBytes else {
            throw ToolFailure(
                .invalidArguments, "args.content: is \(content.count) bytes; at most \(Self.maximumContentBytes) can be written")
        }
        let encoded = Array(Base64.encode(content).utf8)
        var chunks: [String] = []
        var start = 0
        while start < encoded.count {
            let end = min(start + Self.chunkCharacters, encoded.count)
            chunks.append(String(decoding: encoded[start..<end], as: UTF8.self))
            start = end
        }
        let path = layout.sandboxPath(arguments["path"]?.stringValue ?? "")
        return SandboxInvocation(argv: ["/bin/sh", "-c", Self.script, "sh", path] + chunks)
    }

    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue {
        guard result.exitCode == 0 else { throw ProgramOutput.failure(result, "writing the file") }
        let bytes = (arguments["content"]?.stringValue ?? "").utf8.count
        return ["path": .string(arguments["path"]?.stringValue ?? ""), "bytes_written": .int(Int64(bytes))]
    }
}
