import Sandbox

/// `fs.write {path, content, encoding?}`: replaces (or creates) one file with `content`, inside
/// the sandbox, so the kernel's view of the root (mounts, idmapping, the profile's writability)
/// has the last word, not the coordinator's. Missing parent directories are created; the file
/// and those directories get the usual mode (umask 022: 0644 and 0755), not the daemon's 077.
/// With `encoding: base64`, `content` is the base64 of the bytes to write (binary files).
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
    /// Exit statuses as `FileCheck`'s: 81 the path is a directory, 83 a parent is a file, 84 not
    /// writable (or a parent could not be made).
    static let script = """
        umask 022
        p=$1; shift
        if [ -d "$p" ]; then exit 81; fi
        case "$p" in ?*/*) d=${p%/*}
          if [ -e "$d" ] && [ ! -d "$d" ]; then exit 83; fi
          if [ ! -d "$d" ]; then /usr/bin/mkdir -p -- "$d" 2>/dev/null || exit 84; fi
          if [ ! -d "$d" ]; then exit 83; fi
          if [ ! -w "$d" ]; then exit 84; fi;;
        esac
        if [ -e "$p" ] && [ ! -w "$p" ]; then exit 84; fi
        printf %s "$@" | /usr/bin/base64 -d > "$p"
        """

    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        let content = try Self.content(arguments)
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
        let path = arguments["path"]?.stringValue ?? ""
        if let failure = FileCheck.failure(result.exitCode, path: path, writing: true) { throw failure }
        guard result.exitCode == 0 else { throw ProgramOutput.failure(result, "writing the file") }
        let bytes = (try? Self.content(arguments))?.count ?? 0
        return ["path": .string(path), "bytes_written": .int(Int64(bytes))]
    }

    /// The bytes to write: `content` as UTF-8, or decoded from base64 with `encoding: base64`.
    static func content(_ arguments: JSONValue) throws(ToolFailure) -> [UInt8] {
        let text = arguments["content"]?.stringValue ?? ""
        switch arguments["encoding"]?.stringValue {
        case nil, "utf8"?: return Array(text.utf8)
        case "base64"?:
            guard let bytes = Base64.decode(text) else {
                throw ToolFailure(.invalidArguments, "args.content: is not valid base64 (encoding is base64)")
            }
            return bytes
        case let other?: throw ToolFailure(.invalidArguments, "args.encoding: '\(other)' is not utf8 or base64")
        }
    }
}
