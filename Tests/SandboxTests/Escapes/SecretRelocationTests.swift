#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// A secret the host keeps below the root (`config/.env`), which one call tries to move to where
/// the next call's prepare-time walk does not reach (below `traps.walk_max_depth`). The mask is a
/// mount over the file, so the file itself cannot be renamed (EBUSY); its directories are bound
/// over themselves (`child/masks.c`), so they cannot be renamed or removed either, and the next
/// call's walk still finds the secret where the host left it.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct SecretRelocationTests {
    @Test func aSecretsDirectoryCannotBeMovedBeyondTheWalk() throws {
        let h = try SandboxHarness()
        mkdir(h.project.file("config"), 0o755)
        mkdir(h.project.file("config/prod"), 0o755)
        h.project.write("config/prod/.env", "API_KEY=s3cret-relocated\n")
        let first = try h.sh(
            "cat config/prod/.env; mv config/prod/.env x 2>/dev/null; echo mvfile=$?; "
                + "d=deep; for i in $(seq 1 20); do d=$d/d; done; mkdir -p $d; "
                + "mv config $d/ 2>/dev/null; echo mvdir=$?; mv config/prod $d/ 2>/dev/null; echo mvsub=$?; "
                + "mv config renamed 2>/dev/null; echo rename=$?; rm -rf config 2>/dev/null; echo rm=$?; "
                + "ls config/prod/.env")
        #expect(!first.out.contains("s3cret"), "\(first.out)")
        for step in ["mvfile", "mvdir", "mvsub", "rename", "rm"] {
            #expect(!first.out.contains("\(step)=0"), "\(step) succeeded: \(first.out) \(first.err)")
        }
        #expect(first.out.contains("config/prod/.env"), "\(first.out) \(first.err)")
        #expect(first.violations(kind: "sensitive_path_denied").count >= 1, "\(first.violations)")
        // The host's tree is as the host left it, and the next call finds the secret masked there.
        var st = stat()
        #expect(stat(h.project.file("config/prod/.env"), &st) == 0)
        let second = try h.sh("cat config/prod/.env $(find deep -name .env 2>/dev/null) 2>/dev/null; true")
        #expect(!second.out.contains("s3cret"), "the next call read the secret: \(second.out)")
        #expect(second.violations(kind: "sensitive_path_denied").compactMap(\.path) == ["/workspace/config/prod/.env"], "\(second.violations)")
    }

    /// 1,000 files in the root: a 300-entry walk stops before any subdirectory.
    private static let flood = "i=0; while [ $i -lt 1000 ]; do : > f$i; i=$((i+1)); done; echo made"

    @Test func floodingTheRootPastTheWalkDoesNotUnmaskASecretTheWalkHasSeen() throws {
        // The walk reads a directory whole before it enters any child: 1,000 files in the root
        // stop a 300-entry walk before `config/` every time.
        let h = try SandboxHarness { $0.traps.walkMaxEntries = 300 }
        mkdir(h.project.file("config"), 0o755)
        mkdir(h.project.file("config/prod"), 0o755)
        h.project.write("config/prod/.env", "API_KEY=s3cret-flooded\n")
        let first = try h.sh("cat config/prod/.env; " + Self.flood)
        #expect(first.out == "made\n", "\(first.out) \(first.err)")
        #expect(first.violations(kind: "sensitive_path_denied").compactMap(\.path) == ["/workspace/config/prod/.env"])
        let second = try h.sh("cat config/prod/.env; echo end")
        #expect(second.violations(kind: "sensitive_scan_truncated").first?.limit == "walk_max_entries", "\(second.violations)")
        #expect(second.out == "end\n", "the next call read the secret: \(second.out)")
        #expect(second.violations(kind: "sensitive_path_denied").compactMap(\.path) == ["/workspace/config/prod/.env"], "\(second.violations)")
        // A secret the host removes is forgotten once a walk finishes again.
        let third = try h.sh("rm -f f*; echo cleaned")
        #expect(third.out == "cleaned\n")
        unlink(h.project.file("config/prod/.env"))
        let fourth = try h.sh("ls config/prod; echo end")
        #expect(fourth.out == "end\n" && fourth.violations(kind: "sensitive_path_denied").isEmpty, "\(fourth.out) \(fourth.violations)")
    }

    @Test func aSecretBelowANameWithANewlineIsRememberedToo() throws {
        // The memo was one line per path, so a path with a newline was left out of it: after a
        // flood, the next call read the secret the first walk had masked.
        let h = try SandboxHarness { $0.traps.walkMaxEntries = 300 }
        mkdir(h.project.file("sub"), 0o755)
        mkdir(h.project.file("sub/a\nb"), 0o755)
        h.project.write("sub/a\nb/.env", "API_KEY=s3cret-newline\n")
        let first = try h.sh(Self.flood)
        #expect(first.out == "made\n", "\(first.out) \(first.err)")
        let second = try h.sh("cat 'sub/a\nb/.env'; echo end")
        #expect(second.violations(kind: "sensitive_scan_truncated").first?.limit == "walk_max_entries", "\(second.violations)")
        #expect(second.out == "end\n", "the next call read the secret: \(second.out)")
        #expect(second.violations(kind: "sensitive_path_denied").compactMap(\.path) == ["/workspace/sub/a\nb/.env"], "\(second.violations)")
    }

    @Test func directoriesWithoutSecretsStayMovable() throws {
        let h = try SandboxHarness()
        mkdir(h.project.file("config"), 0o755)
        h.project.write("config/.env", "API_KEY=s3cret\n")
        mkdir(h.project.file("src"), 0o755)
        h.project.write("src/main.c", "int main(void) { return 0; }\n")
        let r = try h.sh("mv src lib && ls lib")
        #expect(r.exitCode == 0 && r.out == "main.c\n", "\(r.out) \(r.err)")
    }
}
