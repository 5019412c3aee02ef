/// A sandbox profile: everything the worker needs to build one sandbox, as plain data.
///
/// Profiles live in `profiles/*.json` and are documented in `docs/profiles.md`. They are only ever
/// built by `ProfileDecoder`, which refuses unknown keys and names the JSON path of every error, so a
/// `Profile` value is always complete and valid. Every field has an explicit value after decoding:
/// defaults are filled in by the decoder, and `canonicalJSON` (the input of the profile's sha256)
/// therefore describes the effective sandbox, not the text the author wrote.
public struct Profile: Sendable, Equatable {
    public var name: String
    public var description: String
    public var filesystem: Filesystem
    public var network: Network
    public var seccomp: Seccomp
    public var limits: Limits
    public var environment: Environment
    public var identity: Identity
    /// Isolation layers this profile accepts to run without when the host lacks them. Empty means
    /// fail closed: a missing layer refuses the run with the reason.
    public var allowedDowngrades: [Downgrade]
    /// What is hidden behind reporting traps (`SensitiveMasks`, `TrapWatcher`).
    public var traps: Traps

    public init(
        name: String, description: String, filesystem: Filesystem, network: Network, seccomp: Seccomp,
        limits: Limits, environment: Environment, identity: Identity, allowedDowngrades: [Downgrade],
        traps: Traps = .none
    ) {
        self.traps = traps
        self.name = name
        self.description = description
        self.filesystem = filesystem
        self.network = network
        self.seccomp = seccomp
        self.limits = limits
        self.environment = environment
        self.identity = identity
        self.allowedDowngrades = allowedDowngrades
    }
}

extension Profile {
    public struct Filesystem: Sendable, Equatable {
        /// Where the project root is mounted inside the sandbox; also the tool's working directory.
        public var workspacePath: String
        /// Whether the tool may write the project. Read-only profiles still see the files.
        public var workspaceWritable: Bool
        /// Mounts made in the new root, in order, before the workspace.
        public var mounts: [Mount]
        /// Size of the private tmpfs at `/tmp`, in MiB; 0 means no `/tmp`.
        public var tmpSizeMB: Int
        /// Paths relative to the workspace that stay read-only inside a writable workspace: what a
        /// host user or the coordinator later *runs* (`.git/config`, `.git/hooks/`, `.jido/`…).
        /// A trailing `/` marks a directory. A project lifts an entry by removing it from the
        /// profile before the profile reaches the worker.
        public var protectedPaths: [String]

        public init(
            workspacePath: String, workspaceWritable: Bool, mounts: [Mount], tmpSizeMB: Int, protectedPaths: [String] = []
        ) {
            self.workspacePath = workspacePath
            self.workspaceWritable = workspaceWritable
            self.mounts = mounts
            self.tmpSizeMB = tmpSizeMB
            self.protectedPaths = protectedPaths
        }
    }

    public enum Mount: Sendable, Equatable {
        /// A host path (file or directory) bound at `target`; read-only unless `writable`.
        /// A missing `source` is an error unless `optional`.
        case bind(source: String, target: String, writable: Bool, optional: Bool)
        /// A private tmpfs of `sizeMB` MiB.
        case tmpfs(target: String, sizeMB: Int)
        /// A symlink at `target` pointing to `to` (e.g. `/bin` → `usr/bin` on merged-/usr hosts).
        case symlink(target: String, to: String)

        public var target: String {
            switch self {
            case .bind(_, let target, _, _), .tmpfs(let target, _), .symlink(let target, _): target
            }
        }

        /// A bind strictly below `/tmp`: mounted after the sandbox's `/tmp` tmpfs instead of
        /// before it, so it stays visible (a project's outside-root exception under /tmp).
        public static func isBindBelowTmp(_ mount: Mount) -> Bool {
            if case .bind(_, let target, _, _) = mount { return target.hasPrefix("/tmp/") }
            return false
        }
    }

    public struct Network: Sendable, Equatable {
        public enum Mode: String, Sendable, CaseIterable {
            /// A new, empty network namespace with only its own loopback. Connection attempts to
            /// anything else are denied and reported.
            case none
            /// The host's network namespace. Nothing is denied at the network layer.
            case host
        }
        public var mode: Mode

        public init(mode: Mode) { self.mode = mode }
    }

    public struct Seccomp: Sendable, Equatable {
        /// The rules, evaluated by the kernel; a syscall matched by no rule is allowed. The network
        /// calls (`connect`, `sendto`, `sendmsg`, `sendmmsg`) are added by `SeccompProgram` when
        /// the network mode is `none`: the monitor reports their destinations.
        public var rules: [SeccompRule]

        public init(rules: [SeccompRule]) { self.rules = rules }
    }

    public struct SeccompRule: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable {
            /// Fail the call with `errno`, and report a `syscall_denied` violation (through the
            /// monitor, by seccomp user notification).
            case deny
            /// Fail the call with `errno`, silently: for calls that libc probes routinely
            /// (`clone3` → ENOSYS makes glibc fall back to `clone`, whose flags BPF can read).
            case denySilently = "deny_silently"
            /// Kill the whole process (SIGSYS); the monitor reports it from the exit status.
            case kill
        }
        public var syscalls: [String]
        public var action: Action
        /// The errno name returned by `deny` and `deny_silently` (e.g. `EPERM`).
        public var errno: String
        /// Conditions on the arguments; all must hold for the rule to match.
        public var args: [ArgCondition]
        /// The violation kind reported for a match (`syscall_denied`, `network_protocol_denied`, …).
        public var reportKind: String

        public init(syscalls: [String], action: Action, errno: String, args: [ArgCondition], reportKind: String) {
            self.syscalls = syscalls
            self.action = action
            self.errno = errno
            self.args = args
            self.reportKind = reportKind
        }
    }

    public struct ArgCondition: Sendable, Equatable {
        public enum Op: String, Sendable, CaseIterable {
            case eq, ne, lt, le, gt, ge
            /// `(arg & mask) == value`, the only safe test of a flags word.
            case maskedEq = "masked_eq"
        }
        public var index: Int
        public var op: Op
        public var value: UInt64
        public var mask: UInt64

        public init(index: Int, op: Op, value: UInt64, mask: UInt64 = 0) {
            self.index = index
            self.op = op
            self.value = value
            self.mask = mask
        }

        /// Whether `arg` satisfies this condition; the monitor uses it to tell which rule a
        /// notification came from.
        public func matches(_ arg: UInt64) -> Bool {
            switch op {
            case .eq: arg == value
            case .ne: arg != value
            case .lt: arg < value
            case .le: arg <= value
            case .gt: arg > value
            case .ge: arg >= value
            case .maskedEq: arg & mask == value
            }
        }
    }

    public struct Limits: Sendable, Equatable {
        public var timeoutMs: Int
        public var memoryMB: Int
        public var maxProcs: Int
        public var fileSizeMB: Int
        public var cpuSeconds: Int
        /// Cap on each of stdout and stderr; past it the tool is killed (`limit_fired: output`).
        public var maxOutputBytes: Int
        public var maxOpenFiles: Int
        /// Bytes (MiB) and inodes the project may hold, enforced with the file system's project
        /// quotas (`DiskQuota`); 0 means no limit.
        public var diskMB: Int
        public var diskInodes: Int

        public init(
            timeoutMs: Int, memoryMB: Int, maxProcs: Int, fileSizeMB: Int, cpuSeconds: Int, maxOutputBytes: Int,
            maxOpenFiles: Int, diskMB: Int = 0, diskInodes: Int = 0
        ) {
            self.diskMB = diskMB
            self.diskInodes = diskInodes
            self.timeoutMs = timeoutMs
            self.memoryMB = memoryMB
            self.maxProcs = maxProcs
            self.fileSizeMB = fileSizeMB
            self.cpuSeconds = cpuSeconds
            self.maxOutputBytes = maxOutputBytes
            self.maxOpenFiles = maxOpenFiles
        }
    }

    public struct Environment: Sendable, Equatable {
        /// Variables set in every run (a caller's `--env` may override them if the name is allowed).
        public var set: [String: String]
        /// Names a caller may pass through; anything else is refused with `env_denied`.
        /// Entries ending in `*` match a prefix.
        public var allow: [String]

        public init(set: [String: String], allow: [String]) {
            self.set = set
            self.allow = allow
        }

        public func allows(_ name: String) -> Bool {
            allow.contains { pattern in
                pattern.hasSuffix("*") ? name.hasPrefix(String(pattern.dropLast())) : pattern == name
            }
        }
    }

    public struct Identity: Sendable, Equatable {
        /// How many dynamic inode numbers the kernel's proc file systems have (from 0xF0000000 to
        /// 0xFFFFFFFF): a sandbox's host uid is the base plus its user namespace's inode less
        /// 0xF0000000, so the range must hold this many.
        public static let sandboxUIDSpan: UInt32 = 0x1000_0000
        /// Where a per-sandbox uid may start: above the 16-bit ids every distribution hands out,
        /// and low enough that base + span stays below (uid_t)-1. The default, 0x70000000, keeps
        /// every such uid below 2^31 (ids above are unsafe in tools that read them as signed).
        public static let sandboxUIDBases: ClosedRange<UInt32> = 65536 ... (UInt32.max - sandboxUIDSpan)

        /// The unprivileged host uid/gid the sandbox's root maps to when the project is owned by
        /// host root. A project owned by another uid maps to that uid instead, so files keep their
        /// owner. Never 0: RLIMIT_NPROC and /proc/sys protection depend on a non-zero kuid.
        public var hostUID: UInt32
        public var hostGID: UInt32
        /// When not 0, a sandbox runs as a host uid of its own from `sandboxUIDBase` on
        /// (`Sandbox.ownHostUID`) instead of `hostUID` or its project's owner: the kernel keeps
        /// some budgets per host user (pipe buffer pages, file descriptors in flight, epoll
        /// watches, locked memory), and a uid no other live sandbox and no host account has gives
        /// each sandbox its own. The group stays. What the tool writes to the workspace and to
        /// writable binds keeps its owner through idmapped mounts (`OwnerIdmap`).
        public var sandboxUIDBase: UInt32
        public var hostname: String

        public init(hostUID: UInt32, hostGID: UInt32, sandboxUIDBase: UInt32, hostname: String) {
            self.hostUID = hostUID
            self.hostGID = hostGID
            self.sandboxUIDBase = sandboxUIDBase
            self.hostname = hostname
        }
    }

    /// An isolation layer a profile may explicitly accept to lose on a host that lacks it.
    public enum Downgrade: String, Sendable, CaseIterable {
        /// No memory cgroup: memory is capped with RLIMIT_AS, and an exhausted limit shows only as
        /// failed allocations, not as `limit_fired: memory`.
        case memoryCgroup = "memory_cgroup"
        /// No pids cgroup: processes are capped with RLIMIT_NPROC (per user namespace), not reported.
        case pidsCgroup = "pids_cgroup"
        /// No seccomp user notification: denials still happen but carry no address evidence.
        case seccompNotify = "seccomp_notify"
        /// No idmapped mounts: a root-owned project is mounted read-only.
        case idmappedMount = "idmapped_mount"
        /// No fanotify permission events (the monitor is not host root): masks and traps still
        /// hide what they cover, but attempts on them are refused by the kernel unreported.
        case trapReports = "trap_reports"
        /// No project quotas on the project's file system: `disk_mb`/`disk_inodes` are not
        /// enforced and not reported.
        case diskQuota = "disk_quota"
    }

    /// Reporting traps. Workspace files matching `workspaceDeny` (and no `workspaceAllow`) are
    /// masked at prepare; with `hostSecrets`, the well-known host secret paths exist inside only
    /// as traps. An open of a trap is refused and reported with the sandbox-side path.
    public struct Traps: Sendable, Equatable {
        /// Globs over workspace-relative paths, matched as `SensitivePaths` does.
        public var workspaceDeny: [String]
        public var workspaceAllow: [String]
        /// Bounds of the prepare-time walk; a walk that reaches one is reported
        /// (`sensitive_scan_truncated`) and what lies beyond is not masked.
        public var walkMaxEntries: Int
        public var walkMaxDepth: Int
        public var hostSecrets: Bool

        public init(
            workspaceDeny: [String], workspaceAllow: [String], walkMaxEntries: Int, walkMaxDepth: Int,
            hostSecrets: Bool
        ) {
            self.workspaceDeny = workspaceDeny
            self.workspaceAllow = workspaceAllow
            self.walkMaxEntries = walkMaxEntries
            self.walkMaxDepth = walkMaxDepth
            self.hostSecrets = hostSecrets
        }

        /// No traps at all (profiles built in code; a decoded profile always has its own).
        public static let none = Traps(
            workspaceDeny: [], workspaceAllow: [], walkMaxEntries: 0, walkMaxDepth: 0, hostSecrets: false)
    }
}
