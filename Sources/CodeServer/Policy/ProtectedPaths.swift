import Sandbox

/// Paths of a project that its tools must not write, because something other than the tool
/// reads them as instructions: the asset catalog (`.jido/`: a tool that writes
/// `.jido/commands/x.md` gives itself a new tool, `command.run.x`, under any profile it names),
/// git's executable configuration (`core.fsmonitor`, `core.hooksPath`, hooks run by the next
/// person or CI job to type `git status`), and the files editors and shells run on open
/// (`.envrc` for direnv, `.vscode/` tasks and settings, `.idea/` run configurations).
///
/// Relative to the root; an entry covers itself and everything below it. The policy refuses
/// `fs.write` there (`protected_path`); the sandbox mounts them read-only (the profile's
/// `filesystem.protectedPaths`), so `shell.run` cannot write them either.
public enum ProtectedPaths {
    /// The one default list. The sandbox profile's `filesystem.protectedPaths` should default to
    /// this same list (one place to change it).
    public static let defaults = [".jido", ".git/config", ".git/hooks", ".git/info/attributes", ".envrc", ".vscode", ".idea"]

    /// The entries a project's options leave protected: the defaults minus the entries its
    /// `protected_path_exceptions` lift.
    public static func effective(_ entries: [String] = defaults, lifting exceptions: [ProtectedPathException]) -> [String] {
        entries.filter { entry in !exceptions.contains { $0.path == entry } }
    }
}

/// An entry of `protected_path_exceptions`: a protected path the project lifts, and the reason
/// code every `security.sandbox_exception_used` of a write there carries.
public struct ProtectedPathException: Sendable, Hashable {
    /// Relative to the root, normalized, and equal to one protected entry (it lifts that entry).
    public var path: String
    public var reasonCode: String

    public init(path: String, reasonCode: String) {
        self.path = path
        self.reasonCode = reasonCode
    }

    public var json: JSONValue { ["path": .string(path), "reason_code": .string(reasonCode)] }
}
