#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// Whether a project's sandboxes run as host uids of their own, and when not, whose per-user
/// kernel budgets (pipe pages, descriptors in flight, epoll watches, …) they share and why. It is
/// prepare's decision (`Sandbox`'s uid choice and `OwnerIdmap`'s fallback) asked ahead, once per
/// project, so that the sharing is said in the project's diagnostics instead of happening
/// silently on a mount that refuses idmapped mounts.
public struct SandboxUIDIsolation: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Each sandbox runs as a host uid of its own.
        case own
        /// Every sandbox of the project runs as `sharedUID`.
        case shared
    }

    public let state: State
    /// The host uid every sandbox runs as, when `shared`.
    public let sharedUID: UInt32?
    /// Why they share it, when `shared`: a sentence naming the setting or the mount.
    public let reason: String?

    static let own = SandboxUIDIsolation(state: .own, sharedUID: nil, reason: nil)

    static func shared(_ uid: uid_t, _ reason: String) -> SandboxUIDIsolation {
        SandboxUIDIsolation(state: .shared, sharedUID: uid, reason: reason)
    }

    /// What prepare will decide for `profile` on the project at `root` (a checked, real path).
    /// Probes each mount the sandbox would idmap for the owner: the root of a project whose owner
    /// is unprivileged, and each writable bind.
    public static func of(profile: Profile, root: String) -> SandboxUIDIsolation {
        var st = stat()
        guard stat(root, &st) == 0 else {
            return .shared(geteuid(), "the project's root cannot be read (\(SandboxError.errnoText(errno)))")
        }
        guard geteuid() == 0 else {
            return .shared(geteuid(), "the coordinator does not run as root: every sandbox runs as its uid")
        }
        let owner = st.st_uid != 0 ? st.st_uid : profile.identity.hostUID
        let ownerName = st.st_uid != 0 ? "the project's owner" : "identity.host_uid"
        guard profile.identity.sandboxUIDBase != 0 else {
            return .shared(owner, "identity.per_sandbox_uid_base is 0: every sandbox runs as \(ownerName)")
        }
        var idmapped: [String] = st.st_uid != 0 ? [root] : []
        for case .bind(let source, _, true, _) in profile.filesystem.mounts {
            // A bind whose source is missing is an error (or skipped) at prepare, not a refusal.
            if let resolved = POSIX.realpath(source) { idmapped.append(resolved) }
        }
        for path in idmapped {
            let err = csb_probe_idmapped_mount(path)
            if err != 0 {
                return .shared(
                    owner,
                    "the mount of '\(path)' refuses idmapped mounts (\(SandboxError.errnoText(err))): every sandbox "
                        + "runs as \(ownerName), so that what it writes there keeps its owner")
            }
        }
        return .own
    }

    /// `{state: "own"}`, or `{state: "shared", uid, warning}`.
    public var json: JSONValue {
        guard state == .shared else { return ["state": .string(state.rawValue)] }
        return [
            "state": .string(state.rawValue), "uid": .int(Int64(sharedUID ?? 0)),
            "warning": .string(
                "sandboxes share the per-user kernel budgets of uid \(sharedUID ?? 0) with each other and with that "
                    + "user's processes: \(reason ?? "")"),
        ]
    }
}
