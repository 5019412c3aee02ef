#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Git metadata that sends the host's git elsewhere, past the protected `.git/config` and
/// `.git/hooks/`: a tool that wrote `.git/commondir` (`../evil`, whose `config` sets
/// `core.fsmonitor`) or added a nested repository as a gitlink to `.git/index` had its command
/// run as root by the next `git status` on the host. Protecting `config`, `hooks/` and `info/`
/// one by one cannot hold: git reads its configuration from wherever `commondir` says, from every
/// populated submodule the index names, and runs `exec` lines of a rebase todo. So `.git/` is
/// read-only as a whole in the built-in profiles (as codex does); a project that wants its tools
/// to commit lifts it with a reason, and gets exactly these risks back.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct GitRedirectionTests {
    static let git = "/usr/bin/git"

    /// What the tool tries: one line `name errno` per path (0: it worked).
    static let attacks = AttemptScript.prelude + """
        import os, subprocess
        def write(path, text):
            with open(path, "w") as f: f.write(text)
        def evil_gitdir():
            os.makedirs("evil/objects", exist_ok=True); os.makedirs("evil/refs", exist_ok=True)
            write("evil/config", "[core]\\n\\trepositoryformatversion = 0\\n\\tfsmonitor = \\"touch MARKER; false\\"\\n")
        evil_gitdir()
        attempt("commondir", lambda: write(".git/commondir", "../evil\\n"))
        attempt("modules-config", lambda: os.makedirs(".git/modules/sub"))
        attempt("alternates", lambda: write(".git/objects/info/alternates", "/etc\\n"))
        attempt("rebase-todo", lambda: os.makedirs(".git/rebase-merge"))
        attempt("head", lambda: write(".git/HEAD", "ref: refs/heads/x\\n"))
        # A nested repository added as a gitlink: git status on the host recurses into it.
        env = dict(os.environ, HOME="/tmp", GIT_CONFIG_NOSYSTEM="1")
        subprocess.run(["git", "init", "-q", "sub"], env=env, check=True)
        subprocess.run(["git", "-C", "sub", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "s"], env=env, check=True)
        subprocess.run(["git", "-C", "sub", "config", "core.fsmonitor", "touch MARKER; false"], env=env, check=True)
        r = subprocess.run(["git", "add", "sub"], env=env, capture_output=True)
        print("gitlink", 0 if r.returncode == 0 else 1, flush=True)
        attempt("ordinary-write", lambda: write("src.txt", "ok\\n"))
        """

    static func answers(_ r: SandboxResult) -> [String: Int32] { AttemptScript.answers(r.out) }

    /// A repository with one commit, made on the host as its owner would.
    static func repository(_ h: SandboxHarness) {
        let p = h.project.path
        precondition(system2([git, "init", "-q", p]) == 0, "git init failed")
        precondition(
            system2([git, "-C", p, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "one"]) == 0,
            "git commit failed")
    }

    /// `git status` on the host, as a person or CI job would type it (no user or system
    /// configuration of its own); returns whether the planted `touch MARKER` ran. Git runs an
    /// fsmonitor command in the work tree it checks: the project's or the nested repository's.
    static func hostGitStatusRanPlantedCode(_ h: SandboxHarness) -> Bool {
        let home = TempDirectory(prefix: "jcs-git-home")
        // What the tool's own git may have run inside the sandbox does not count.
        unlink(h.project.file("MARKER"))
        unlink(h.project.file("sub/MARKER"))
        _ = system2([
            "/usr/bin/env", "-i", "HOME=\(home.path)", "GIT_CONFIG_NOSYSTEM=1", "PATH=/usr/bin:/bin", git, "-C",
            h.project.path, "status", "--porcelain",
        ])
        return access(h.project.file("MARKER"), F_OK) == 0 || access(h.project.file("sub/MARKER"), F_OK) == 0
    }

    @Test func gitMetadataThatRedirectsTheHostsGitIsReadOnly() throws {
        guard access(Self.git, X_OK) == 0 else {
            Issue.record("git is not installed at \(Self.git) (scripts/setup installs it)")
            return
        }
        let h = try SandboxHarness()
        Self.repository(h)
        let r = try h.run(["/usr/bin/python3", "-c", Self.attacks])
        let a = Self.answers(r)
        #expect(a["ordinary-write"] == 0, "the workspace must stay writable: \(r.out) \(r.err)")
        for name in ["commondir", "modules-config", "alternates", "rebase-todo", "head"] {
            #expect(a[name] == EROFS, "\(name): \(a[name].map(String.init) ?? "no answer") (\(r.out) \(r.err))")
        }
        #expect(a["gitlink"] == 1, "git add of a nested repository must fail: \(r.out) \(r.err)")
        // The host's repository afterwards: nothing planted, and git status runs nothing of the tool's.
        for planted in [".git/commondir", ".git/modules", ".git/objects/info/alternates", ".git/rebase-merge"] {
            #expect(access(h.project.file(planted), F_OK) != 0, "\(planted) appeared on the host")
        }
        #expect(!Self.hostGitStatusRanPlantedCode(h), "the host's git status ran a command the tool planted")
    }

    @Test func liftingGitGivesTheseRisksBack() throws {
        // The evidence that the check above can fail: with `.git/` lifted (only config, hooks/ and
        // info/ protected, as before), `commondir` alone makes the host's git run the tool's command.
        guard access(Self.git, X_OK) == 0 else {
            Issue.record("git is not installed at \(Self.git) (scripts/setup installs it)")
            return
        }
        let h = try SandboxHarness { $0.filesystem.protectedPaths.removeAll { $0 == ".git/" } }
        Self.repository(h)
        let r = try h.run(["/usr/bin/python3", "-c", Self.attacks])
        #expect(Self.answers(r)["commondir"] == 0, "\(r.out) \(r.err)")
        #expect(Self.hostGitStatusRanPlantedCode(h), "with .git/ writable the planted commondir should redirect git")
    }

    @Test func aGitFileIsProtectedWholeAndDoesNotStopTheSandbox() throws {
        // A linked worktree or a submodule checkout: `.git` is a file naming the real git directory.
        // It has no config or hooks below it, which used to refuse every sandbox of such a project
        // (ENOTDIR); rewritten, it would send the host's git to a directory the tool made.
        let h = try SandboxHarness()
        h.project.write(".git", "gitdir: /srv/repos/main/.git/worktrees/x\n")
        let r = try h.run([
            "/usr/bin/python3", "-c",
            AttemptScript.prelude + """
            import os
            attempt("rewrite", lambda: open(".git", "w").write("gitdir: evil\\n"))
            attempt("rename-over", lambda: (open("g", "w").write("gitdir: evil\\n"), os.rename("g", ".git")))
            attempt("unlink", lambda: os.unlink(".git"))
            """,
        ])
        #expect(r.exitCode == 0, "\(r.err)")
        let a = Self.answers(r)
        #expect(a["rewrite"] == EROFS, "\(r.out)")
        for name in ["rename-over", "unlink"] {
            #expect(a[name] == EBUSY || a[name] == EROFS, "\(name): \(r.out)")
        }
        #expect(h.project.read(".git") == "gitdir: /srv/repos/main/.git/worktrees/x\n")
    }
}
