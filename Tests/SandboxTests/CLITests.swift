#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// `jcs sandbox run`, `jcs profile check` and `jcs doctor` as users run them.
@Suite(.enabled(if: BuiltProducts.exists("jcs"), "jcs is not built (run scripts/test, which builds it)"), .serialized)
struct CLITests {
    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func sandboxRunJSONHasEveryFieldAndTheCommandsStatus() throws {
        let project = TempDirectory()
        let r = runProduct("jcs", ["sandbox", "run", "--root", project.path, "--json", "--", "/bin/sh", "-c", "echo hi; exit 7"])
        #expect(r.status == 7)
        let json = try JSONParser.parse(r.out)
        for key in [
            "exit_code", "signal", "timed_out", "limit_fired", "stdout", "stderr", "stdout_truncated",
            "stderr_truncated", "duration_ms", "profile", "violations",
        ] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["exit_code"]?.intValue == 7)
        #expect(json["stdout"]?.stringValue == "hi\n")
        #expect(json["profile"]?["name"]?.stringValue == "default")
        #expect(json["profile"]?["sha256"]?.stringValue?.count == 64)
    }

    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func sandboxRunStreamsOutputAndPrintsViolationsToStderr() throws {
        let project = TempDirectory()
        let r = runProduct("jcs", [
            "sandbox", "run", "--root", project.path, "--", "/usr/bin/python3", "-c",
            "print('out'); import socket; socket.create_connection(('192.0.2.1', 8080))",
        ])
        #expect(r.status == 1)
        #expect(r.out == "out\n")
        #expect(r.err.contains("jcs: violation: network_denied connect AF_INET 192.0.2.1:8080"))
    }

    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func timeoutsAndLimitOverridesFromFlags() throws {
        let project = TempDirectory()
        let r = runProduct("jcs", ["sandbox", "run", "--root", project.path, "--timeout-ms", "300", "--json", "--", "sleep", "30"])
        #expect(r.status == 124)
        let json = try JSONParser.parse(r.out)
        #expect(json["timed_out"]?.boolValue == true)
        #expect(json["limit_fired"]?.stringValue == "timeout")
        let flood = runProduct("jcs", ["sandbox", "run", "--root", project.path, "--max-output-bytes", "10", "--json", "--", "yes"])
        #expect(try JSONParser.parse(flood.out)["limit_fired"]?.stringValue == "output")
    }

    @Test func badInputsNameTheFlagAndTheReason() throws {
        let r1 = runProduct("jcs", ["sandbox", "run", "--timeout-ms", "0", "--", "true"])
        #expect(r1.status == 64 || r1.status == 2)
        #expect(r1.err.contains("--timeout-ms must be between 1 and 86400000, got 0"))
        let r2 = runProduct("jcs", ["sandbox", "run", "--env", "NOEQUALS", "--", "true"])
        #expect(r2.err.contains("--env 'NOEQUALS': expected KEY=VALUE"))
        let r3 = runProduct("jcs", ["sandbox", "run"])
        #expect(r3.err.contains("missing the command to run"))
        let r4 = runProduct("jcs", ["sandbox", "run", "--profile", "nope", "--", "true"])
        #expect(r4.status == 125)
        #expect(r4.err.contains("nope"))
    }

    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func setupFailuresExit125WithAStructuredError() throws {
        let r = runProduct("jcs", ["sandbox", "run", "--root", "/nonexistent/jcs", "--json", "--", "true"])
        #expect(r.status == 125)
        let json = try JSONParser.parse(r.out)
        #expect(json["error"]?["code"]?.stringValue == "invalid_root")
        let missing = runProduct("jcs", ["sandbox", "run", "--root", "/tmp", "--", "no-such-tool"])
        #expect(missing.status == 127)
        #expect(missing.err.contains("cannot execute 'no-such-tool'"))
    }

    @Test func profileCheckNamesThePathOfEachError() throws {
        let dir = TempDirectory()
        dir.write("bad.json", #"{"name": "x", "limits": {"memry_mb": 5, "timeout_ms": -1}}"#)
        let r = runProduct("jcs", ["profile", "check", dir.file("bad.json")])
        #expect(r.status == 1)
        #expect(r.out.contains("$.limits.memry_mb"))
        #expect(r.out.contains("$.limits.timeout_ms"))
        let ok = runProduct("jcs", ["profile", "check", Probe.repositoryRoot + "/profiles/strict.json", "--json"])
        #expect(ok.status == 0)
        #expect(try JSONParser.parse(ok.out)["valid"]?.boolValue == true)
    }

    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func doctorReportsEveryLayerAsJSON() throws {
        let r = runProduct("jcs", ["doctor", "--json"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        let json = try JSONParser.parse(r.out)
        for layer in [
            "user_namespaces", "seccomp_filter", "seccomp_notify", "landlock", "pivot_root", "idmapped_mount",
            "memory_cgroup", "pids_cgroup", "fanotify_traps", "project_quota",
        ] {
            #expect(json["layers"]?[layer]?["available"]?.boolValue != nil, "missing \(layer)")
        }
        #expect(json["profile"]?["runnable"]?.boolValue == true)
        #expect(json["profile"]?["per_sandbox_uids"]?["mapped"]?.boolValue == true, "\(r.out)")
        #expect(json["profile"]?["per_sandbox_uids"]?["first"]?.intValue == 1_879_048_192)
        // The monitor is root: traps are reported. This host's kernel has no project quotas, so
        // a profile with a disk limit is refused unless it allows the downgrade.
        #expect(json["layers"]?["fanotify_traps"]?["available"]?.boolValue == true)
        let quotas = json["layers"]?["project_quota"]?["available"]?.boolValue == true
        let profile = TempDirectory(prefix: "jcs-doctor-disk")
        profile.write("disk.json", #"{"name": "disk", "limits": {"disk_mb": 64}}"#)
        let disk = runProduct("jcs", ["doctor", "--json", "--profile", profile.file("disk.json")])
        let verdict = try JSONParser.parse(disk.out)["profile"]
        #expect(verdict?["runnable"]?.boolValue == quotas, "\(disk.out)")
        if !quotas {
            #expect(verdict?["missing"]?.arrayValue?.contains(.string("project_quota")) == true)
            #expect(disk.status == 1)
        }
    }

    /// In a user namespace that maps one uid, the sandboxes' own host uids cannot be mapped:
    /// the doctor names what is missing, and a profile that shares `host_uid` does not need it.
    @Test func doctorChecksThatThePerSandboxUIDsCanBeMapped() throws {
        let unshare = ["/usr/bin/unshare", "--user", "--map-root-user"]
        let run = runProduct("jcs", ["doctor", "--json"], under: unshare)
        let narrow = try JSONParser.parse(run.out)
        #expect(narrow["profile"]?["per_sandbox_uids"]?["mapped"]?.boolValue == false, "\(run.out) \(run.err)")
        #expect(narrow["profile"]?["missing"]?.arrayValue?.contains(.string("per_sandbox_uids")) == true, "\(narrow)")
        let profile = TempDirectory(prefix: "jcs-doctor-uids")
        profile.write("shared.json", #"{"name": "shared", "identity": {"per_sandbox_uid_base": 0}}"#)
        let shared = try JSONParser.parse(runProduct("jcs", ["doctor", "--json", "--profile", profile.file("shared.json")], under: unshare).out)
        #expect(shared["profile"]?["per_sandbox_uids"] == .null, "\(shared)")
        #expect(shared["profile"]?["missing"]?.arrayValue?.contains(.string("per_sandbox_uids")) == false, "\(shared)")
    }

    /// Two coordinators in pid namespaces of their own (two containers) on one host, each with
    /// the default base: their live sandboxes still run as two host uids. With base + init's
    /// pid, both sandboxes had the same pid in their namespaces, and so the same uid; the inode
    /// of a user namespace is unique host-wide. The doctor has nothing to warn about there.
    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func sandboxesOfCoordinatorsInPidNamespacesOfTheirOwnGetHostUIDsOfTheirOwn() throws {
        let project = TempDirectory()
        let container = #"/usr/bin/unshare --pid --fork --mount-proc "$0" "$@" & /usr/bin/unshare --pid --fork --mount-proc "$0" "$@"; wait"#
        let r = runProduct(
            "jcs", ["sandbox", "run", "--root", project.path, "--", "/bin/sh", "-c", "cat /proc/self/uid_map; sleep 1"],
            under: ["/bin/sh", "-c", container])
        let uids = r.out.split(separator: "\n").compactMap { line -> UInt32? in
            let fields = line.split(separator: " ")
            return fields.count == 3 && fields[0] == "0" ? UInt32(fields[1]) : nil
        }
        let base = try ProfileResolver.resolve(nameOrPath: "default").identity.sandboxUIDBase
        #expect(uids.count == 2 && Set(uids).count == 2, "two live sandboxes share host uid \(uids): \(r.out) \(r.err)")
        #expect(uids.allSatisfy { (base ..< base + Profile.Identity.sandboxUIDSpan).contains($0) }, "\(uids)")
        let own = runProduct("jcs", ["doctor"], under: ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"])
        let line = own.out.split(separator: "\n").first { $0.contains("per_sandbox_uids") } ?? ""
        #expect(line.hasPrefix("ok    per_sandbox_uids"), "\(own.out) \(own.err)")
    }

    /// Root in a user namespace of its own (a container's) can make a network namespace but not
    /// enter the host's again: the monitor thread that made one ahead used to abort the CLI
    /// (SIGABRT, no message). Now it asks first, leaves the namespace to the clone, and whatever
    /// such a host lacks is a set-up error that says what.
    @Test(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
    func rootOfAUserNamespaceGetsAnErrorNotACrash() throws {
        let project = TempDirectory()
        let r = runProduct(
            "jcs", ["sandbox", "run", "--root", project.path, "--", "/bin/true"], under: ["/usr/bin/unshare", "--user", "--map-root-user"])
        #expect(r.status == 125, "\(r.status) \(r.err)")
        #expect(r.err.hasPrefix("jcs: sandbox set-up failed: "), "\(r.err)")
    }
}
