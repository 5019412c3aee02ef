import Sandbox
import Testing

/// `filesystem.workspace.protected_paths`: relative, normalized, no repeats; the default list
/// when a profile leaves it out; an explicit `[]` protects nothing.
struct ProtectedPathsDecoderTests {
    private func problems(_ list: String) -> [String] {
        let text = #"{"name": "p", "filesystem": {"workspace": {"path": "/workspace", "writable": true, "protected_paths": "#
            + list + "}}}"
        do {
            _ = try ProfileDecoder.decode(text: text)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func theBuiltinProfilesProtectWhatTheHostRuns() throws {
        for name in ["default", "strict", "build"] {
            let paths = try ProfileResolver.resolve(nameOrPath: name).filesystem.protectedPaths
            for required in [".git/config", ".git/hooks/", ".jido/", ".envrc", ".vscode/"] {
                #expect(paths.contains(required), "\(name) lacks \(required)")
            }
        }
    }

    @Test func aProfileThatLeavesTheListOutGetsTheDefaultAndEmptyMeansNone() throws {
        let inherited = try ProfileDecoder.decode(text: #"{"name": "p"}"#)
        #expect(inherited.filesystem.protectedPaths == (try ProfileResolver.resolve(nameOrPath: "default")).filesystem.protectedPaths)
        #expect(problems("[]").isEmpty)
        let none = try ProfileDecoder.decode(
            text: #"{"name": "p", "filesystem": {"workspace": {"path": "/w", "writable": true, "protected_paths": []}}}"#)
        #expect(none.filesystem.protectedPaths.isEmpty)
        #expect(none.canonicalJSON["filesystem"]?["workspace"]?["protected_paths"] == .array([]))
    }

    @Test func unsafeSpellingsAreRefusedWithTheirPath() {
        let path = "$.filesystem.workspace.protected_paths"
        #expect(problems(#"["/etc/passwd"]"#) == ["\(path)[0]: must be a path relative to the workspace (no leading '/')"])
        #expect(problems(#"["../x"]"#) == ["\(path)[0]: must be an absolute path without '..'"])
        #expect(problems(#"["a//b"]"#) == ["\(path)[0]: must be a normalized path (no '.' component, '//' or trailing '/')"])
        #expect(problems(#"["./a"]"#) == ["\(path)[0]: must be a normalized path (no '.' component, '//' or trailing '/')"])
        #expect(problems(#"[""]"#) == ["\(path)[0]: must not be empty"])
        #expect(problems(#"["/"]"#) == ["\(path)[0]: must not be empty"])
        #expect(problems(#"[".git", ".git/"]"#) == ["\(path)[1]: duplicate entry '.git/'"])
    }
}
