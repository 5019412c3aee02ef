import Sandbox

/// Paths of a project that its tools must not write, because something other than the tool
/// reads them as instructions: the asset catalog (`.jido/`: a tool that writes
/// `.jido/commands/x.md` gives itself a new tool, `command.run.x`, under any profile it names),
/// git's executable configuration (`core.fsmonitor`, `core.hooksPath`, hooks run by the next
/// person or CI job to type `git status`), and the files editors and shells run on open
/// (`.envrc` for direnv, `.vscode/` tasks and settings, `.idea/` run configurations,
/// `.devcontainer/`), and `.gitmodules` (submodule URLs git fetches on the next update).
///
/// Relative to the root; an entry covers itself and everything below it. The policy refuses
/// `fs.write` there (`protected_path`); the sandbox mounts them read-only (the profile's
/// `filesystem.protectedPaths`), so `shell.run` cannot write them either.
public enum ProtectedPaths {
    /// The built-in `default` profile's list (`filesystem.workspace.protected_paths` in
    /// `profiles/default.json`), for callers that have no profile at hand: one list, kept in the
    /// profile. A project's policy takes its own profile's list instead.
    public static let defaults: [String] = {
        // The built-in profiles are compiled in and decoded by the tests; failing here is a build defect.
        do {
            return try ProfileResolver.resolve(nameOrPath: "default").filesystem.protectedPaths
        } catch {
            fatalError("the built-in default profile does not decode: \(error)")
        }
    }()

    /// An entry as a root-relative path without the directory mark: `.jido/` is `.jido`.
    public static func normalized(_ entry: String) -> String {
        PathText.components(entry).joined(separator: "/")
    }

    /// The entries a project's options leave protected: `entries` minus those its
    /// `protected_path_exceptions` lift (compared without the directory mark).
    public static func effective(_ entries: [String] = defaults, lifting exceptions: [ProtectedPathException]) -> [String] {
        entries.filter { entry in !exceptions.contains { $0.path == normalized(entry) } }
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
