#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// Why a sandbox could not be built or run. Each case carries what an operator needs to act on
/// it; `description` is the sentence printed by the CLI and stored in reports.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The project root is missing or not a directory.
    case invalidRoot(path: String, reason: String)
    /// The project root is no longer the directory recorded when the project started (its path
    /// was swapped for a symlink or another directory): the sandbox refuses to mount it.
    case rootChanged(path: String, expected: FileIdentity, found: String)
    /// A protected path of the profile cannot be made read-only safely (it is a symlink).
    case protectedPathUnsafe(path: String, reason: String)
    /// A layer the profile needs is missing on this host and the profile does not allow the
    /// downgrade (`allow_downgrades`).
    case hostLacks(layer: String, reason: String)
    /// A system call the monitor makes failed.
    case system(call: String, errno: Int32)
    /// The sandbox child reported a failed set-up step.
    case setupFailed(step: String, errno: Int32, detail: String)
    /// The seccomp rules could not be compiled.
    case filterCompile(reason: String)
    /// The request is malformed (empty argv, an environment variable the profile does not allow…).
    case invalidRequest(field: String, reason: String)
    /// The sandbox child vanished or spoke out of protocol.
    case protocolViolation(reason: String)
    /// An error a `jcs-worker` reported, with its code (one of the codes above).
    case reported(code: String, message: String)

    public var description: String {
        switch self {
        case .invalidRoot(let path, let reason): "invalid root '\(path)': \(reason)"
        case .rootChanged(let path, let expected, let found):
            "project root '\(path)' changed since the project started: expected the directory \(expected), "
                + "found \(found); refusing to mount it"
        case .protectedPathUnsafe(let path, let reason): "protected path '\(path)' cannot be protected: \(reason)"
        case .hostLacks(let layer, let reason):
            "this host cannot enforce \(layer): \(reason) (the profile does not allow this downgrade)"
        case .system(let call, let errno): "\(call) failed: \(SandboxError.errnoText(errno))"
        case .setupFailed(let step, let errno, let detail):
            "sandbox set-up failed at \(step)\(detail.isEmpty ? "" : " (\(detail))")"
                + (errno == 0 ? "" : ": \(SandboxError.errnoText(errno))")
        case .filterCompile(let reason): "seccomp filter: \(reason)"
        case .invalidRequest(let field, let reason): "\(field): \(reason)"
        case .protocolViolation(let reason): "sandbox protocol error: \(reason)"
        case .reported(_, let message): message
        }
    }

    /// A stable machine-readable code for reports and JSON output.
    public var code: String {
        switch self {
        case .invalidRoot: "invalid_root"
        case .rootChanged: "root_changed"
        case .protectedPathUnsafe: "protected_path_unsafe"
        case .hostLacks: "host_lacks_layer"
        case .system: "system_error"
        case .setupFailed: "setup_failed"
        case .filterCompile: "filter_compile_failed"
        case .invalidRequest: "invalid_request"
        case .protocolViolation: "protocol_error"
        case .reported(let code, _): code
        }
    }

    static func errnoText(_ err: Int32) -> String {
        "\(String(cString: strerror(err))) (errno \(err))"
    }

    /// The failing call with the current errno.
    static func lastError(_ call: String) -> SandboxError { .system(call: call, errno: errno) }

    /// A sandbox could not get its own host uid (`identity.per_sandbox_uid_base`), for `reason`.
    static func noOwnHostUID(_ reason: String) -> SandboxError {
        .hostLacks(
            layer: "a host uid of the sandbox's own",
            reason: "\(reason); set identity.per_sandbox_uid_base to a range this process's user namespace maps, "
                + "or to 0 to run sandboxes as identity.host_uid or the project's owner")
    }
}

/// Names of the child's set-up steps, in the order `child.c` runs them.
enum SetupStep {
    static func name(_ raw: UInt32) -> String {
        switch raw {
        case UInt32(CSB_STEP_SYNC.rawValue): "waiting for the monitor"
        case UInt32(CSB_STEP_SETID.rawValue): "switching to the mapped root"
        case UInt32(CSB_STEP_PDEATHSIG.rawValue): "arming the parent-death signal"
        case UInt32(CSB_STEP_MOUNT_PRIVATE.rawValue): "making mounts private"
        case UInt32(CSB_STEP_MOUNT_BASE.rawValue): "mounting the staging tmpfs"
        case UInt32(CSB_STEP_PIVOT_OLD.rawValue): "moving the host root aside"
        case UInt32(CSB_STEP_MOUNT_NEWROOT.rawValue): "mounting the new root"
        case UInt32(CSB_STEP_BIND.rawValue): "bind-mounting"
        case UInt32(CSB_STEP_TMPFS.rawValue): "mounting a tmpfs"
        case UInt32(CSB_STEP_SYMLINK.rawValue): "creating a symlink"
        case UInt32(CSB_STEP_WORKSPACE.rawValue): "mounting the workspace"
        case UInt32(CSB_STEP_PROC.rawValue): "mounting /proc"
        case UInt32(CSB_STEP_DEV.rawValue): "building /dev"
        case UInt32(CSB_STEP_HOSTNAME.rawValue): "setting the hostname"
        case UInt32(CSB_STEP_LOOPBACK.rawValue): "bringing up loopback"
        case UInt32(CSB_STEP_UMOUNT_OLD.rawValue): "detaching the host root"
        case UInt32(CSB_STEP_PIVOT_NEW.rawValue): "pivoting into the new root"
        case UInt32(CSB_STEP_REMOUNT_ROOT.rawValue): "making the root read-only"
        case UInt32(CSB_STEP_RUN_MESSAGE.rawValue): "reading the run message"
        case UInt32(CSB_STEP_RLIMIT.rawValue): "setting resource limits"
        case UInt32(CSB_STEP_FORK_TOOL.rawValue): "forking the tool"
        case UInt32(CSB_STEP_STDIO.rawValue): "connecting stdio"
        case UInt32(CSB_STEP_SETSID.rawValue): "starting a new session"
        case UInt32(CSB_STEP_CAPS.rawValue): "dropping capabilities"
        case UInt32(CSB_STEP_NO_NEW_PRIVS.rawValue): "setting no_new_privs"
        case UInt32(CSB_STEP_CHDIR.rawValue): "entering the working directory"
        case UInt32(CSB_STEP_SECCOMP.rawValue): "loading the seccomp filter"
        case UInt32(CSB_STEP_LISTENER.rawValue): "handing over the seccomp listener"
        case UInt32(CSB_STEP_EXEC.rawValue): "executing the command"
        case UInt32(CSB_STEP_PLAN.rawValue): "reading the mount plan"
        case UInt32(CSB_STEP_CGROUP.rawValue): "joining the cgroup"
        case UInt32(CSB_STEP_LANDLOCK.rawValue): "restricting writes with Landlock"
        case UInt32(CSB_STEP_ROOT_IDENTITY.rawValue): "checking the project root's identity"
        case UInt32(CSB_STEP_PROTECT.rawValue): "mounting a protected path read-only"
        case UInt32(CSB_STEP_TRAP.rawValue): "mounting a reporting trap"
        default: "step \(raw)"
        }
    }
}
