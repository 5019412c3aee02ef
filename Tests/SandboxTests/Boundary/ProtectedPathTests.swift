#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Finding 4 of issue 10, the mount side: what the host later runs (`.git/config`, `.git/hooks/`,
/// `.jido/`, `.envrc`…) is read-only inside a writable workspace. Writes, creations, renames
/// over, links and unlinks are refused by the kernel, missing paths cannot be created, and the
/// host's files are unchanged afterwards.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct ProtectedPathTests {
    /// Python that tries each attack and prints `name errno` (0: it worked).
    static let attacks = """
        import os
        def attempt(name, f):
            try:
                f(); print(name, 0, flush=True)
            except OSError as e:
                print(name, e.errno, flush=True)
        def write(path, text="pwned\\n", mode="w"):
            with open(path, mode) as f: f.write(text)
        open("other", "w").close(); os.mkdir("otherdir")
        attempt("append-config", lambda: write(".git/config", "[core]\\n\\tfsmonitor = /bin/id\\n", "a"))
        attempt("truncate-config", lambda: os.truncate(".git/config", 0))
        attempt("hook", lambda: write(".git/hooks/pre-commit"))
        attempt("info-attributes", lambda: write(".git/info/attributes"))
        attempt("jido-command", lambda: write(".jido/commands/x.md"))
        attempt("jido-mkdir", lambda: os.mkdir(".jido/skills"))
        attempt("rename-over-config", lambda: os.rename("other", ".git/config"))
        attempt("rename-over-hooks", lambda: os.rename("otherdir", ".git/hooks"))
        attempt("rename-config-away", lambda: os.rename(".git/config", "stolen"))
        attempt("symlink-hook", lambda: os.symlink("/bin/sh", ".git/hooks/post-checkout"))
        attempt("hardlink-hook", lambda: os.link("other", ".git/hooks/pre-push"))
        attempt("unlink-config", lambda: os.unlink(".git/config"))
        attempt("rmdir-hooks", lambda: os.rmdir(".git/hooks"))
        attempt("envrc", lambda: write(".envrc"))
        attempt("vscode-tasks", lambda: write(".vscode/tasks.json"))
        attempt("chmod-config", lambda: os.chmod(".git/config", 0o777))
        attempt("ordinary-write", lambda: write("src.txt"))
        """

    static func answers(_ r: SandboxResult) -> [String: Int32] {
        var out: [String: Int32] = [:]
        for line in r.out.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let code = Int32(parts[1]) { out[String(parts[0])] = code }
        }
        return out
    }

    @Test func writesCreationsRenamesLinksAndUnlinksOfProtectedPathsAreRefused() throws {
        let h = try SandboxHarness()
        let p = h.project
        precondition(mkdir(p.file(".git"), 0o755) == 0 && mkdir(p.file(".git/hooks"), 0o755) == 0)
        precondition(mkdir(p.file(".jido"), 0o755) == 0 && mkdir(p.file(".jido/commands"), 0o755) == 0)
        p.write(".git/config", "[core]\n\trepositoryformatversion = 0\n")
        p.write(".envrc", "export A=1\n")
        precondition(mkdir(p.file(".vscode"), 0o755) == 0)
        let r = try h.run(["/usr/bin/python3", "-c", Self.attacks])
        #expect(r.exitCode == 0, "\(r.err)")
        let a = Self.answers(r)
        #expect(a["ordinary-write"] == 0, "the workspace itself must stay writable: \(r.out)")
        for name in [
            "append-config", "truncate-config", "hook", "info-attributes", "jido-command", "jido-mkdir", "symlink-hook",
            "hardlink-hook", "envrc", "vscode-tasks", "chmod-config",
        ] {
            #expect(a[name] == EROFS, "\(name): \(a[name].map(String.init) ?? "no answer") (\(r.out))")
        }
        // A mount point cannot be renamed over, away or removed.
        for name in ["rename-over-config", "rename-over-hooks", "rename-config-away", "unlink-config", "rmdir-hooks"] {
            let code = a[name] ?? 0
            #expect(code == EBUSY || code == EROFS, "\(name): \(code) (\(r.out))")
        }
        // The host's files afterwards.
        #expect(p.read(".git/config") == "[core]\n\trepositoryformatversion = 0\n")
        #expect(p.read(".envrc") == "export A=1\n")
        for planted in [
            ".git/hooks/pre-commit", ".git/hooks/post-checkout", ".git/hooks/pre-push", ".jido/commands/x.md",
            ".jido/skills", "stolen", ".git/info/attributes", ".vscode/tasks.json",
        ] {
            #expect(access(p.file(planted), F_OK) != 0, "\(planted) appeared on the host")
        }
        var st = stat()
        #expect(stat(p.file(".git/config"), &st) == 0 && st.st_mode & 0o777 == 0o644)
        #expect(p.read("src.txt") == "pwned\n")
    }

    @Test func missingProtectedPathsInsideExistingEntriesCannotBeCreated() throws {
        // A repository without hooks or info, a .jido without commands, an empty .vscode.
        let h = try SandboxHarness()
        let p = h.project
        precondition(mkdir(p.file(".git"), 0o755) == 0 && mkdir(p.file(".jido"), 0o755) == 0)
        p.write(".git/config", "")
        let r = try h.run([
            "/usr/bin/python3", "-c",
            """
            import os
            def attempt(name, f):
                try:
                    f(); print(name, 0, flush=True)
                except OSError as e:
                    print(name, e.errno, flush=True)
            attempt("mkdir-hooks", lambda: os.makedirs(".git/hooks/x"))
            attempt("hook", lambda: open(".git/hooks/pre-commit", "w").write("id"))
            attempt("info", lambda: open(".git/info/attributes", "w").write("* filter=x"))
            attempt("jido-commands", lambda: os.makedirs(".jido/commands"))
            attempt("jido-command", lambda: open(".jido/x.md", "w").write("x"))
            """,
        ])
        let a = Self.answers(r)
        for name in ["mkdir-hooks", "hook", "info", "jido-commands", "jido-command"] {
            #expect(a[name] == EROFS, "\(name): \(a[name].map(String.init) ?? "no answer") (\(r.out) \(r.err))")
        }
        // The placeholders are empty directories; nothing was planted in them.
        #expect(directoryEntries(p.file(".git/hooks")).isEmpty && directoryEntries(p.file(".git/info")).isEmpty)
        #expect(access(p.file(".jido/commands"), F_OK) != 0 && access(p.file(".jido/x.md"), F_OK) != 0)
        // A project without those entries gets no placeholder at its top level.
        let bare = try SandboxHarness()
        let b = try bare.sh("true")
        #expect(b.exitCode == 0)
        #expect(directoryEntries(bare.project.path).isEmpty, "placeholders at the top level: \(directoryEntries(bare.project.path))")
    }


    @Test func aProtectedPathThatIsASymlinkIsNeverFollowed() throws {
        let host = TempDirectory(prefix: "jcs-host-target")
        host.write("config", "host\n")
        let h = try SandboxHarness()
        symlink(host.path, h.project.file(".git"))
        do {
            _ = try h.sh("echo pwned > .git/config")
            Issue.record("a symlinked protected path was mounted")
        } catch let error as SandboxError {
            #expect(error.code == "protected_path_unsafe", "\(error)")
            #expect(error.description.contains(".git"), "\(error)")
        }
        #expect(host.read("config") == "host\n")
        #expect(access(host.file("hooks"), F_OK) != 0, "a placeholder was created through the link")
    }

    @Test func aProjectCanLiftAnEntry() throws {
        let h = try SandboxHarness { $0.filesystem.protectedPaths.removeAll { $0 == ".envrc" } }
        h.project.write(".envrc", "")
        let r = try h.sh("echo 'export A=1' > .envrc && cat .envrc")
        #expect(r.exitCode == 0 && r.out == "export A=1\n", "\(r.err)")
        #expect(h.project.read(".envrc") == "export A=1\n")
    }
}
