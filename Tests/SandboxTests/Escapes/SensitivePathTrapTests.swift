#if canImport(Glibc)
import Glibc
#endif
@testable import Sandbox
import TestSupport
import Testing

/// Finding 8: secrets in the workspace are masked in every sandbox, well-known host secrets exist
/// inside only as traps, and every attempt on either is refused by the kernel (fanotify permission
/// event, EPERM) and reported with the sandbox-side path.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct SensitivePathTrapTests {
    private func paths(_ r: SandboxResult, _ kind: String) -> Set<String> {
        Set(r.violations(kind: kind).compactMap(\.path))
    }

    @Test func workspaceSecretsAreMaskedForShellToolsAndReported() throws {
        let h = try SandboxHarness()
        h.project.write(".env", "API_KEY=s3cret-env\n")
        mkdir(h.project.file("deploy"), 0o755)
        h.project.write("deploy/id_rsa", "s3cret-key\n")
        mkdir(h.project.file(".ssh"), 0o755)
        h.project.write(".ssh/known", "s3cret-ssh\n")
        h.project.write("server.pem", "s3cret-pem\n")
        h.project.write("readme.txt", "public\n")
        let r = try h.sh(
            "cat .env; head -c 100 deploy/id_rsa; read x < server.pem; echo \"got:$x\"; ls .ssh; cat .ssh/known; "
                + "cp .env /tmp/copy; cat /proc/self/root/workspace/.env; cat readme.txt")
        let seen = r.out + r.err
        #expect(!seen.contains("s3cret"), "a secret reached the tool: \(seen)")
        // The kernel's answer: the open is refused (EPERM), not ENOENT.
        #expect(r.err.contains(".env: Operation not permitted"))
        #expect(r.err.contains("deploy/id_rsa' for reading: Operation not permitted"), "\(r.err)")
        #expect(r.out.contains("public\n"), "an ordinary file was masked too: \(r.out)")
        // The report: each attempt, with the path as the tool sees it.
        let reported = paths(r, "sensitive_path_denied")
        // `.ssh/*` covers what is in .ssh (as for the policy), not the directory's own listing.
        for path in ["/workspace/.env", "/workspace/deploy/id_rsa", "/workspace/server.pem", "/workspace/.ssh/known"] {
            #expect(reported.contains(path), "no report for \(path): \(r.violations)")
        }
        #expect(r.violations(kind: "sensitive_path_denied").allSatisfy { $0.syscall == "open" })
        // The host's files are untouched.
        #expect(h.project.read(".env") == "API_KEY=s3cret-env\n")
        #expect(h.project.read("deploy/id_rsa") == "s3cret-key\n")
    }

    @Test func masksHoldAgainstOtherSyscallsAndRenames() throws {
        let h = try SandboxHarness()
        h.installProbe()
        h.project.write(".env", "s3cret\n")
        // openat2 answers ENOSYS in every sandbox (its mode is out of seccomp's reach, see the
        // privilege-bit rules), so libc falls back to openat, which the mask refuses below.
        let open2 = try h.probe("openat2-read", "/workspace/.env")
        #expect(open2.out == "openat2-read errno=\(ENOSYS)\n")
        let reopen = try h.probe("opath-reopen", "/workspace/.env")
        #expect(reopen.out == "opath-reopen errno=\(EPERM)\n")
        #expect(paths(reopen, "sensitive_path_denied") == ["/workspace/.env"])
        // The mask is a mount point: it cannot be renamed, unlinked or linked away from under it.
        let r = try h.sh("mv .env moved; rm -f .env; ln .env hard; ln -s .env soft; cat soft; echo end")
        #expect(!r.out.contains("s3cret") && !r.err.contains("s3cret"))
        #expect(r.out.hasSuffix("end\n"))
        #expect(h.project.read(".env") == "s3cret\n", "the host's .env changed")
        #expect(access(h.project.file("moved"), F_OK) != 0)
        #expect(access(h.project.file("hard"), F_OK) != 0)
        #expect(paths(r, "sensitive_path_denied") == ["/workspace/.env"], "\(r.violations)")
    }

    @Test func symlinksNeitherHideASecretNorLeadTheWalkOut() throws {
        let outside = TempDirectory(prefix: "jcs-outside")
        outside.write(".env", "host-side\n")
        let h = try SandboxHarness()
        mkdir(h.project.file("sub"), 0o755)
        h.project.write("sub/.env", "s3cret\n")
        symlink("sub", h.project.file("alias"))
        symlink(".env", h.project.file("sub/innocent"))
        symlink(outside.path, h.project.file("out"))
        let r = try h.sh("cat alias/.env; cat sub/innocent; cat /workspace/./sub/../sub/.env; echo end")
        #expect(!r.out.contains("s3cret") && !r.err.contains("s3cret"))
        #expect(r.out.hasSuffix("end\n"))
        // Every way in reaches the one trap, reported under the path the walk found.
        #expect(r.violations(kind: "sensitive_path_denied").count == 3, "\(r.violations)")
        #expect(paths(r, "sensitive_path_denied") == ["/workspace/sub/.env"])
        // The walk did not follow `out` to the host: nothing was mounted for it.
        let mounts = try h.sh("grep -c ' /workspace/out' /proc/self/mountinfo; true")
        #expect(mounts.out == "0\n")
        #expect(outside.read(".env") == "host-side\n")
    }

    @Test func namesThatAreNotUTF8HideNoSecret() throws {
        // The walk once decoded names as UTF-8: below `\xff` nothing was found, so a `.env` the
        // host kept there was read in every sandbox. Masked now at its real bytes, reported with
        // the bytes that are not UTF-8 spelled `\xNN`; a glob's `*` covers them (`*.pem`).
        let h = try SandboxHarness()
        let script = """
            cd '\(h.project.path)' && d=$(printf '\\377') && mkdir "$d" && echo s3cret-env > "$d/.env" \\
              && echo s3cret-pem > "$(printf 'k\\351y').pem"
            """
        #expect(system2(["/bin/sh", "-c", script]) == 0)
        let r = try h.sh("cat \"$(printf '\\377')/.env\"; cat \"$(printf 'k\\351y').pem\"; cat ./*/.env; echo end")
        #expect(!r.out.contains("s3cret") && !r.err.contains("s3cret"), "a secret reached the tool: \(r.out) \(r.err)")
        #expect(r.out.hasSuffix("end\n"), "\(r.out) \(r.err)")
        #expect(r.err.contains("Operation not permitted"), "\(r.err)")
        #expect(paths(r, "sensitive_path_denied") == ["/workspace/\\xff/.env", "/workspace/k\\xe9y.pem"], "\(r.violations)")
    }

    @Test func allowingADeniedDirectorysNameDoesNotUnmaskWhatIsInside() throws {
        // The policy's rule ("allowing a directory's name alone does not open what is inside
        // it"): the walk once entered `.env.example/` as allowed and then judged `secret` by its
        // own name, so the sandbox showed what `fs.read` refused.
        let h = try SandboxHarness {
            $0.traps.workspaceDeny = [".env", ".env.*"]
            $0.traps.workspaceAllow = [".env.example", "*/sample.txt"]
        }
        mkdir(h.project.file(".env.example"), 0o755)
        h.project.write(".env.example/secret", "s3cret\n")
        h.project.write(".env.example/sample.txt", "public\n")
        let r = try h.sh("cat .env.example/secret; cat .env.example/sample.txt; echo end")
        #expect(!r.out.contains("s3cret"), "\(r.out)")
        #expect(r.out == "public\nend\n", "\(r.out) \(r.err)")
        #expect(paths(r, "sensitive_path_denied") == ["/workspace/.env.example/secret"], "\(r.violations)")
    }

    @Test func hostSecretsExistOnlyAsReportingTraps() throws {
        let h = try SandboxHarness()
        let r = try h.sh(
            "cat /etc/shadow; cat /etc/gshadow; ls /root; cat /root/.ssh/id_rsa; cat /root/.aws/credentials; "
                + "cat /root/.kube/config; ls /root/.config/gcloud; cat /run/docker.sock; cat /var/run/docker.sock; "
                + "ls /home; echo done")
        #expect(r.out.hasSuffix("done\n"))
        #expect(r.err.contains("/etc/shadow: Operation not permitted"))
        let reported = paths(r, "sandbox_violation")
        for path in [
            "/etc/shadow", "/etc/gshadow", "/root", "/root/.ssh/id_rsa", "/root/.aws/credentials", "/root/.kube/config",
            "/root/.config/gcloud", "/run/docker.sock", "/var/run/docker.sock", "/home",
        ] {
            #expect(reported.contains(path), "no report for \(path): \(r.violations)")
        }
        // A connect is not an open: the seccomp notification of the unix connect is what reports it.
        let sock = try h.sh(
            "python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.connect(\"/var/run/../run/docker.sock\")' 2>&1 | tail -1")
        #expect(sock.out.contains("ConnectionRefusedError"), "\(sock.out)")
        #expect(sock.violations(kind: "sandbox_violation").first?.path == "/var/run/docker.sock", "\(sock.violations)")
        #expect(sock.violations(kind: "sandbox_violation").first?.syscall == "connect")
        // The traps are empty: even a reader the kernel let through would learn nothing.
        let sizes = try h.sh("stat -c %s /etc/shadow /root/.ssh/id_rsa")
        #expect(sizes.out == "0\n0\n")
        #expect(sizes.violations.isEmpty, "stat is not an open: \(sizes.violations)")
    }

    @Test func nothingOfTheTrapsStaysOnTheHost() throws {
        let h = try SandboxHarness()
        h.project.write(".env", "s3cret\n")
        // This sandbox's own trap directory, not a count of the host's: other suites' warm
        // sandboxes hold theirs while they wait.
        var st = stat()
        func runOnce() throws -> String {
            let filter = try SeccompProgram(profile: h.profile)
            let sandbox = try Sandbox.prepare(profile: h.profile, root: h.project.path, filter: { filter })
            let directory = try #require(sandbox.trapSet?.directory, "a sandbox with a secret to mask has a trap directory")
            #expect(lstat(directory, &st) == 0, "the trap directory exists while the sandbox is prepared")
            _ = try sandbox.run(RunRequest(argv: ["/bin/sh", "-c", "cat .env"]))
            return directory
        }
        // The sandbox is gone once `runOnce` returns (its last reference ends there).
        let directory = try runOnce()
        #expect(lstat(directory, &st) != 0 && errno == ENOENT, "'\(directory)' stayed on the host after the sandbox ended")
    }

    @Test func aSecretPlantedBetweenCallsIsMaskedOnTheNextCall() throws {
        // Nothing of a project is remembered between prepares: what one call leaves is seen by
        // the next prepare's walk, wherever it lies, and what it removed is no longer masked.
        let h = try SandboxHarness()
        let first = try h.sh("mkdir -p deep/er && echo s3cret > deep/er/.env && echo k3y > id_rsa; cat deep/er/.env")
        #expect(first.out == "s3cret\n", "the file was created by this very call: \(first.err)")
        let second = try h.sh("cat deep/er/.env id_rsa; echo end")
        #expect(second.out == "end\n", "a planted secret reached the next call: \(second.out)")
        #expect(Set(second.violations(kind: "sensitive_path_denied").compactMap(\.path)) == ["/workspace/deep/er/.env", "/workspace/id_rsa"])
        unlink(h.project.file("id_rsa"))
        h.project.write("id_rsa.pub.txt", "public\n")
        let third = try h.sh("cat id_rsa.pub.txt; ls id_rsa 2>&1; cat deep/er/.env; echo end")
        #expect(third.out.hasPrefix("public\n"), "\(third.out)")
        #expect(third.violations(kind: "sensitive_path_denied").compactMap(\.path) == ["/workspace/deep/er/.env"], "\(third.violations)")
    }

    @Test func aTruncatedWalkIsReported() throws {
        let h = try SandboxHarness { $0.traps.walkMaxEntries = 3 }
        for i in 0..<10 { h.project.write("f\(i)", "x") }
        let r = try h.sh("true")
        let truncated = r.violations(kind: "sensitive_scan_truncated")
        #expect(truncated.count == 1 && truncated.first?.limit == "walk_max_entries", "\(r.violations)")
        let deep = try SandboxHarness { $0.traps.walkMaxDepth = 1 }
        mkdir(deep.project.file("a"), 0o755)
        mkdir(deep.project.file("a/b"), 0o755)
        deep.project.write("a/b/.env", "s3cret")
        let d = try deep.sh("cat a/b/.env")
        #expect(d.violations(kind: "sensitive_scan_truncated").first?.path == "a/b", "\(d.violations)")
        #expect(d.violations(kind: "sensitive_scan_truncated").first?.limit == "walk_max_depth")
    }

    @Test func aProjectFullOfSecretsIsRefusedNotHalfMasked() throws {
        let h = try SandboxHarness()
        for i in 0..<600 { h.project.write(".env.\(i)", "s3cret") }
        #expect(throws: SandboxError.self) { _ = try h.sh("cat .env.599") }
    }

    @Test func aProfileWithoutTrapsMasksNothing() throws {
        let h = try SandboxHarness {
            $0.traps.workspaceDeny = []
            $0.traps.hostSecrets = false
        }
        h.project.write(".env", "visible\n")
        let r = try h.sh("cat .env; cat /etc/shadow")
        #expect(r.out == "visible\n")
        #expect(r.err.contains("No such file or directory"))
        #expect(r.violations.isEmpty)
    }
}
