import Sandbox

/// `fs.search {pattern, path?}`: lines matching an extended regular expression, in the files under
/// `path` (the root by default), binary files skipped.
///
/// `grep -e PATTERN` keeps a pattern starting with `-` a pattern; `-Z` ends each file name with
/// NUL, so a name containing `:` is not split in the wrong place.
struct FileSearchTool: SandboxedTool {
    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        let pattern = arguments["pattern"]?.stringValue ?? ""
        let path = layout.sandboxPath(arguments["path"]?.stringValue ?? ".")
        return SandboxInvocation(argv: ["/bin/sh", "-c", Self.script, "sh", path, pattern])
    }

    /// A missing path is `not_found` (`FileCheck`), not grep's message.
    static let script = #"p=$1; shift; if [ ! -e "$p" ]; then exit 80; fi; exec /usr/bin/grep -rnHIZE -e "$1" -- "$p""#

    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue {
        if let failure = FileCheck.failure(result.exitCode, path: arguments["path"]?.stringValue ?? ".") { throw failure }
        // The output cap killed grep: the complete lines so far are the answer, cut.
        let cut = result.limitFired == .output || result.stdoutTruncated
        // grep: 0 found, 1 nothing found, 2 trouble.
        guard result.exitCode == 0 || result.exitCode == 1 || cut else { throw ProgramOutput.failure(result, "searching") }
        var lines = result.stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if cut || lines.last?.isEmpty == true { lines.removeLast() }
        var matches: [JSONValue] = []
        for line in lines {
            guard let nul = line.firstIndex(of: 0) else { continue }
            let rest = line[(nul + 1)...]
            guard let colon = rest.firstIndex(of: UInt8(ascii: ":")),
                let number = Int64(String(decoding: rest[..<colon], as: UTF8.self))
            else { continue }
            matches.append([
                "path": .string(layout.projectPath(String(decoding: line[..<nul], as: UTF8.self))),
                "line": .int(number), "text": .string(String(decoding: rest[(colon + 1)...], as: UTF8.self)),
            ])
        }
        return [
            "pattern": .string(arguments["pattern"]?.stringValue ?? ""), "matches": .array(matches), "truncated": .bool(cut),
        ]
    }
}
