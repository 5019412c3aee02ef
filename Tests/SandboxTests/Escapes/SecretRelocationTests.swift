#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// A secret the host keeps below the root (`config/.env`), moved by one call to where the next
/// call's prepare-time walk does not reach. The mask is a mount over the file, so the file itself
/// cannot be renamed (EBUSY), but its *directory* can: one call moves `config/` under a chain of
/// directories deeper than `traps.walk_max_depth` (or floods the root past `walk_max_entries`),
/// and the next call's walk stops before it, reports `sensitive_scan_truncated`, and the tool
/// reads the secret. Open: the walk is bounded on purpose (it runs at every prepare over a tree
/// the tools write, and node_modules alone passes 20,000 entries), and refusing or masking every
/// unwalked directory would stop ordinary projects. `docs/threat-model.md` lists it; the test runs
/// the real attack and records a known issue, so it fails the day a fix lands.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct SecretRelocationTests {
    @Test func aSecretsDirectoryMovedBeyondTheWalkIsStillMaskedOnTheNextCall() throws {
        let h = try SandboxHarness()
        mkdir(h.project.file("config"), 0o755)
        h.project.write("config/.env", "API_KEY=s3cret-relocated\n")
        // Call 1: the file is masked and cannot be moved, its directory can.
        let first = try h.sh(
            "cat config/.env; mv config/.env x 2>/dev/null; echo mvfile=$?; "
                + "d=deep; for i in $(seq 1 20); do d=$d/d; done; mkdir -p $d && mv config $d/; echo mvdir=$?")
        #expect(!first.out.contains("s3cret"), "\(first.out)")
        #expect(first.out.contains("mvfile=1"), "\(first.out) \(first.err)")
        #expect(first.violations(kind: "sensitive_path_denied").count >= 1, "\(first.violations)")
        let moved = first.out.contains("mvdir=0")
        // Call 2: the walk stops at walk_max_depth and says so.
        let second = try h.sh("cat $(find deep -name .env) 2>/dev/null; true")
        #expect(!moved || second.violations(kind: "sensitive_scan_truncated").first?.limit == "walk_max_depth", "\(second.violations)")
        withKnownIssue("a secret's directory moved below walk_max_depth is read by the next call (open, see docs/threat-model.md)") {
            #expect(!second.out.contains("s3cret"), "the next call read the relocated secret: \(second.out)")
        }
    }
}
