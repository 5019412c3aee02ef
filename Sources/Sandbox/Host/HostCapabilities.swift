#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// What this host can enforce, found by trying each layer (`jcs doctor`).
public struct HostCapabilities: Sendable {
    public struct Layer: Sendable {
        public var name: String
        public var available: Bool
        public var detail: String
        /// Present and working, but close to a limit (`fanotify_budget`): printed as a warning.
        public var warning: Bool = false
    }

    public var layers: [Layer]
    public var cgroups: CgroupLayout
    /// The fanotify groups and marks left to this user (the `fanotify_budget` layer).
    public var fanotify: FanotifyBudget?

    public func has(_ name: String) -> Bool { layers.first { $0.name == name }?.available ?? false }

    /// - Parameter projectPath: where project quotas are looked for (a project's root, or the
    ///   directory projects live in): they are a property of one file system.
    public static func probe(projectPath: String = ".") -> HostCapabilities {
        func errnoLayer(_ name: String, _ rc: Int32, ok: String, missing: String) -> Layer {
            rc == 0
                ? Layer(name: name, available: true, detail: ok)
                : Layer(name: name, available: false, detail: "\(missing): \(SandboxError.errnoText(rc))")
        }
        var layers: [Layer] = []
        layers.append(
            errnoLayer(
                "user_namespaces", csb_probe_userns(), ok: "user, mount, pid and network namespaces can be created",
                missing: "no sandbox can be built"))
        layers.append(
            errnoLayer(
                "seccomp_filter", csb_probe_seccomp_filter(), ok: "syscall filters load",
                missing: "no syscall can be denied"))
        layers.append(
            errnoLayer(
                "seccomp_notify", csb_probe_seccomp_notify(),
                ok: "denied syscalls and network attempts are reported with their evidence",
                missing: "denials carry no evidence"))
        let landlock = csb_probe_landlock_abi()
        layers.append(
            landlock > 0
                ? Layer(name: "landlock", available: true, detail: "ABI \(landlock): a second layer limits writes to the writable mounts\(landlock >= 6 ? " and scopes abstract sockets and signals" : "")")
                : Layer(name: "landlock", available: false, detail: "not available: \(SandboxError.errnoText(-landlock))"))
        layers.append(
            errnoLayer(
                "pivot_root", csb_probe_pivot_root(), ok: "the sandbox root replaces the host's",
                missing: "no sandbox root can be built"))
        layers.append(
            errnoLayer(
                "idmapped_mount", csb_probe_idmapped_mount("/tmp"),
                ok: "root-owned projects are writable from the sandbox and keep their owner",
                missing: "root-owned projects cannot be written (downgrade: read-only)"))
        let cgroups = Sandbox.cgroupLayout
        let version = cgroups.version?.rawValue ?? "none"
        layers.append(
            Layer(
                name: "memory_cgroup", available: cgroups.memory,
                detail: cgroups.memory
                    ? "cgroup \(version) enforces memory limits and reports OOM kills"
                    : "no writable memory controller: limits fall back to RLIMIT_AS without reporting"))
        layers.append(
            Layer(
                name: "pids_cgroup", available: cgroups.pids,
                detail: cgroups.pids
                    ? "cgroup \(version) enforces process limits and reports refused forks"
                    : "no writable pids controller: limits fall back to RLIMIT_NPROC without reporting"))
        let group = csb_fanotify_init()
        let fanotifyErr = group >= 0 ? 0 : errno
        if group >= 0 { close(group) }
        layers.append(
            errnoLayer(
                "fanotify_traps", fanotifyErr,
                ok: "opens of masked secrets and host-secret traps are refused and reported with their path",
                missing: "traps still hide secrets, but attempts are not reported (downgrade: trap_reports)"))
        let budget = FanotifyBudget.read()
        layers.append(budget.layer)
        let place = POSIX.realpath(projectPath) ?? projectPath
        layers.append(
            errnoLayer(
                "project_quota", geteuid() == 0 ? csb_project_quota_supported(place) : EPERM,
                ok: "the file system of \(place) keeps disk_mb and disk_inodes per project: the kernel refuses past them (EDQUOT)",
                missing: "no project quotas on the file system of \(place) (ext4: -O project and -o prjquota; xfs: pquota); "
                    + "profiles with disk limits need the downgrade disk_quota, and then nothing refuses a write past "
                    + "disk_mb or disk_inodes: the usage is measured after each call and a limit passed is reported as disk"))
        return HostCapabilities(layers: layers, cgroups: cgroups, fanotify: budget)
    }

    /// Whether `profile` can run here, and which of its allowed downgrades it would need.
    public func verdict(for profile: Profile) -> (runnable: Bool, missing: [String], downgraded: [String]) {
        var missing: [String] = []
        var downgraded: [String] = []
        for hard in ["user_namespaces", "seccomp_filter", "pivot_root"] where !has(hard) { missing.append(hard) }
        let optional: [(String, Profile.Downgrade)] = [
            ("seccomp_notify", .seccompNotify), ("memory_cgroup", .memoryCgroup), ("pids_cgroup", .pidsCgroup),
            ("idmapped_mount", .idmappedMount),
        ]
            + (profile.traps.hostSecrets || !profile.traps.workspaceDeny.isEmpty ? [("fanotify_traps", .trapReports)] : [])
            + (profile.limits.diskMB > 0 || profile.limits.diskInodes > 0 ? [("project_quota", .diskQuota)] : [])
        for (layer, downgrade) in optional where !has(layer) {
            if profile.allowedDowngrades.contains(downgrade) { downgraded.append(layer) } else { missing.append(layer) }
        }
        // No downgrade: a sandbox whose id map is refused does not run; 0 in the profile opts out.
        if let uids = SandboxUIDRange.uids(of: profile.identity), !SandboxUIDRange.mapsAll(uids) {
            missing.append("per_sandbox_uids")
        }
        return (missing.isEmpty, missing, downgraded)
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        for layer in layers {
            object[layer.name] = ["available": .bool(layer.available), "detail": .string(layer.detail), "warning": .bool(layer.warning)]
        }
        return [
            "layers": .object(object),
            "cgroup_version": cgroups.version.map { .string($0.rawValue) } ?? .null,
            "uid": .int(Int64(geteuid())),
            "fanotify_budget": fanotify?.json ?? .null,
        ]
    }
}
