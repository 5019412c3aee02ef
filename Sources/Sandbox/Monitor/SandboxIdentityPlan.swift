#if canImport(Glibc)
import Glibc
#endif

/// Who a sandbox of a profile on a project root runs as, decided before the kernel gives it a
/// namespace: the one decision `Sandbox.prepare` acts on and `SandboxUIDIsolation` reports, so
/// the report cannot drift from what prepare does.
struct SandboxIdentityPlan {
    /// Why every sandbox of the project runs as `owner` instead of a host uid of its own.
    enum Shared: Equatable {
        /// An unprivileged monitor may map only itself.
        case unprivilegedMonitor
        /// `identity.per_sandbox_uid_base` is 0.
        case noBase
        /// The workspace of an unprivileged owner lies on a mount that refuses idmapped mounts.
        case workspaceRefusesIdmap
    }

    /// The uid what the tool writes keeps: the project's owner, `identity.host_uid` for a
    /// root-owned project (the uid its writable binds keep), or the monitor's own. The sandbox
    /// runs as it when it has no uid of its own.
    let owner: uid_t
    let gid: gid_t
    /// The workspace is an idmapped mount: through the sandbox's own namespace (root-owned), or
    /// through the owner's (`ownersWorkspace`).
    let idmapped: Bool
    /// The workspace of an unprivileged owner, idmapped to the sandbox's uid (`OwnerIdmap`).
    let ownersWorkspace: Bool
    /// The base of the sandbox's own host uid; nil when it runs as `owner` (`shared` says why).
    let ownUIDBase: UInt32?
    let shared: Shared?

    /// - Parameter mayIdmapOwnersWorkspace: whether the root's mount takes an idmapped mount;
    ///   asked only for a root of an unprivileged owner under a profile with a uid base.
    init(profile: Profile, root st: stat, mayIdmapOwnersWorkspace: () -> Bool) {
        let base = profile.identity.sandboxUIDBase
        var shared: Shared?
        if geteuid() != 0 {
            owner = geteuid()
            gid = getegid()
            shared = .unprivilegedMonitor
        } else if st.st_uid != 0 {
            owner = st.st_uid
            gid = st.st_gid != 0 ? st.st_gid : profile.identity.hostGID
            if base == 0 {
                shared = .noBase
            } else if !mayIdmapOwnersWorkspace() {
                shared = .workspaceRefusesIdmap
            }
        } else {
            owner = profile.identity.hostUID
            gid = profile.identity.hostGID
            if base == 0 { shared = .noBase }
        }
        self.shared = shared
        ownUIDBase = shared == nil ? base : nil
        ownersWorkspace = shared == nil && st.st_uid != 0
        // A root-owned workspace is idmapped through the sandbox's own namespace whenever root
        // prepares it; an owner's only through the owner's.
        idmapped = st.st_uid == 0 ? shared != .unprivilegedMonitor : shared == nil
    }
}
