#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// Whether a project's sandboxes run as host uids of their own, and when not, whose per-user
/// kernel budgets (pipe pages, descriptors in flight, epoll watches, …) they share and why. It is
/// prepare's decision (`SandboxIdentityPlan`, and `OwnerIdmap`'s fallback) asked ahead, once per
/// project, so that the sharing is said in the project's diagnostics instead of happening
/// silently on a mount that refuses idmapped mounts.
public struct SandboxUIDIsolation: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Each sandbox runs as a host uid of its own.
        case own
        /// Every sandbox of the project runs as `sharedUID`.
        case shared
        /// The root cannot be opened as the project's now (moved, or swapped for a link): no
        /// sandbox can be prepared either, and nothing was probed.
        case unknown
    }

    public let state: State
    /// The host uid every sandbox runs as, when `shared`.
    public let sharedUID: UInt32?
    /// Why they share it, when `shared`: a sentence naming the setting or the mount; why it is
    /// not known, when `unknown`.
    public let reason: String?

    static let own = SandboxUIDIsolation(state: .own, sharedUID: nil, reason: nil)

    static func shared(_ uid: uid_t, _ reason: String) -> SandboxUIDIsolation {
        SandboxUIDIsolation(state: .shared, sharedUID: uid, reason: reason)
    }

    /// What prepare will decide for `profile` on the project at `root` (`SandboxIdentityPlan`, the
    /// decision prepare acts on), with each mount the sandbox would idmap for the owner probed.
    /// The root is opened as prepare opens it (`RootHandle`, checked against `rootIdentity`), and
    /// probed through that handle: a root swapped for a link elsewhere is reported, never probed.
    public static func of(profile: Profile, root: String, rootIdentity: FileIdentity?) -> SandboxUIDIsolation {
        let handle: RootHandle
        do {
            handle = try RootHandle.open(root, expecting: rootIdentity)
        } catch {
            return SandboxUIDIsolation(state: .unknown, sharedUID: nil, reason: "\(error)")
        }
        var refusal: (path: String, errno: Int32)?
        let who = SandboxIdentityPlan(profile: profile, root: handle.stat) {
            let err = csb_probe_idmapped_mount_fd(handle.fd.raw)
            if err != 0 { refusal = (handle.path, err) }
            return err == 0
        }
        let ownerName = handle.stat.st_uid != 0 ? "the project's owner" : "identity.host_uid"
        switch who.shared {
        case .unprivilegedMonitor?:
            return .shared(who.owner, "the coordinator does not run as root: every sandbox runs as its uid")
        case .noBase?:
            return .shared(who.owner, "identity.per_sandbox_uid_base is 0: every sandbox runs as \(ownerName)")
        case .workspaceRefusesIdmap?, nil:
            break
        }
        for case .bind(let source, _, true, _) in profile.filesystem.mounts where refusal == nil {
            // A bind whose source is missing is an error (or skipped) at prepare, not a refusal.
            guard let resolved = POSIX.realpath(source) else { continue }
            let err = csb_probe_idmapped_mount(resolved)
            if err != 0 { refusal = (resolved, err) }
        }
        guard let refusal else { return .own }
        return .shared(
            who.owner,
            "the mount of '\(refusal.path)' refuses idmapped mounts (\(SandboxError.errnoText(refusal.errno))): every "
                + "sandbox runs as \(ownerName), so that what it writes there keeps its owner")
    }

    /// `{state: "own"}`, `{state: "shared", uid, warning}` or `{state: "unknown", warning}`.
    public var json: JSONValue {
        switch state {
        case .own: return ["state": .string(state.rawValue)]
        case .unknown:
            return [
                "state": .string(state.rawValue),
                "warning": .string("whether sandboxes share a host uid is not known: \(reason ?? "")"),
            ]
        case .shared: break
        }
        return [
            "state": .string(state.rawValue), "uid": .int(Int64(sharedUID ?? 0)),
            "warning": .string(
                "sandboxes share the per-user kernel budgets of uid \(sharedUID ?? 0) with each other and with that "
                    + "user's processes: \(reason ?? "")"),
        ]
    }
}
