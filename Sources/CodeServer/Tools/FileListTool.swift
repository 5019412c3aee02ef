import Sandbox

/// `fs.list {path}`: the entries of one directory, sorted by name, each with its type and size.
///
/// `find` prints `type TAB size TAB name NUL`: type and size never hold a tab, and only NUL
/// cannot be in a name, so every name (newlines included) comes back intact.
struct FileListTool: SandboxedTool {
    func invocation(arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> SandboxInvocation {
        let path = layout.sandboxPath(arguments["path"]?.stringValue ?? ".")
        return SandboxInvocation(argv: ["/bin/sh", "-c", Self.script, "sh", path])
    }

    /// `FileCheck`'s prelude (missing, not a directory, unreadable), then find.
    static let script = FileCheck.readableDirectory + "\n" + #"exec /usr/bin/find "$p" -mindepth 1 -maxdepth 1 -printf '%y\t%s\t%f\0'"#

    func output(of result: SandboxResult, arguments: JSONValue, layout: SandboxLayout) throws(ToolFailure) -> JSONValue {
        if let failure = FileCheck.failure(result.exitCode, path: arguments["path"]?.stringValue ?? ".") { throw failure }
        guard result.exitCode == 0 else { throw ProgramOutput.failure(result, "listing the directory") }
        var entries: [(name: String, value: JSONValue)] = []
        for record in result.stdout.split(separator: 0) {
            let fields = record.split(separator: UInt8(ascii: "\t"), maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let name = String(decoding: fields[2], as: UTF8.self)
            let size = Int64(String(decoding: fields[1], as: UTF8.self)) ?? 0
            entries.append((name, ["name": .string(name), "type": .string(Self.type(fields[0])), "size": .int(size)]))
        }
        entries.sort { $0.name < $1.name }
        return ["path": .string(arguments["path"]?.stringValue ?? "."), "entries": .array(entries.map(\.value))]
    }

    private static func type(_ letter: ArraySlice<UInt8>) -> String {
        switch letter.first {
        case UInt8(ascii: "f"): "file"
        case UInt8(ascii: "d"): "directory"
        case UInt8(ascii: "l"): "symlink"
        default: "other"
        }
    }
}
