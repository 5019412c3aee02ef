#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Synchronization

/// Mounts idmapped so that a sandbox can run as a host uid of its own
/// (`identity.per_sandbox_uid_base`) while what the tool writes there keeps the uid the sandbox
/// would otherwise have run as, the *owner*: the workspace of a project whose owner is an
/// unprivileged host user, and every writable bind (whose files keep `identity.host_uid`, or the
/// project owner's uid).
///
/// Run as the owner, every sandbox of every project of one user (or of every profile with a
/// writable bind) charged one host user's kernel budgets (pipe pages, descriptors in flight, …),
/// and a tool could exhaust them for all the others and for the user's own processes. The
/// sandbox's user namespace maps only its root to its uid, so the idmap goes through a second
/// namespace, which no process is in: the owner is the sandbox's uid there, every other id is
/// itself, so files of other owners read and write as they did.
///
/// A mount that refuses to be idmapped (a file system without `FS_ALLOW_IDMAP`, or a mount that
/// is idmapped already) makes the sandbox run as the owner, as before, and is not tried again
/// while the process lives: nothing that worked stops working.
enum OwnerIdmap {
    /// The uid files keep, and the uid the sandbox runs as.
    struct Identity {
        let owner: uid_t
        let sandbox: uid_t
    }

    /// The mounts a sandbox gets idmapped, or nil when one of them refused.
    struct Trees {
        let workspace: OwnedFD?
        let binds: [OwnedFD?]  // nil: an optional bind whose source is gone
    }

    /// Mounts that refused to be idmapped in this process, by mount id: per mount, not per
    /// device, as an idmapped bind of a file system refuses where the file system itself would not.
    private static let refusedMounts = Mutex<[UInt64]>([])

    /// Whether the mount `fd` lies on may be tried: false once that mount refused.
    static func mayTry(_ fd: Int32) -> Bool {
        guard let id = mountID(fd) else { return true }
        return !refusedMounts.withLock { $0.contains(id) }
    }

    static func mountID(_ fd: Int32) -> UInt64? {
        var id: UInt64 = 0
        return csb_mount_id(fd, &id) == 0 ? id : nil
    }

    /// The workspace (when `workspace` is given: the project's root) and each writable bind,
    /// idmapped through one namespace for `ids`. Nil when a mount refuses; throws when the
    /// namespace cannot be made (the sandbox's uid is then one this process cannot map, which
    /// the sandbox's own map would fail on too) or a bind's source cannot be opened.
    static func trees(
        _ ids: Identity, workspace root: RootHandle?, workspaceWritable: Bool, binds: [(source: String, optional: Bool)]
    ) throws(SandboxError) -> Trees? {
        var bindSources: [OwnedFD?] = []
        for bind in binds {
            let fd = OwnedFD(csb_open_path(bind.source))
            guard fd.isOpen else {
                guard bind.optional && errno == ENOENT else { throw .lastError("open(\(bind.source))") }
                bindSources.append(nil)
                continue
            }
            bindSources.append(fd)
        }
        // The workspace's mount was asked already, when prepare planned its idmap.
        for case let fd? in bindSources where !mayTry(fd.raw) { return nil }

        let userns = OwnedFD(csb_userns_with_maps(uidMap(ids), "0 0 4294967295\n"))
        guard userns.isOpen else {
            throw .noOwnHostUID(
                "a user namespace mapping uid \(ids.owner) to \(ids.sandbox) failed (\(SandboxError.errnoText(errno)))")
        }
        Trace.mark("owner's namespace made")
        var workspace: OwnedFD?
        if let root {
            guard let tree = try tree(of: root.fd.raw, path: root.path, through: userns, writable: workspaceWritable) else {
                return nil
            }
            workspace = tree
        }
        var trees: [OwnedFD?] = []
        for (fd, bind) in zip(bindSources, binds) {
            guard let fd else {
                trees.append(nil)
                continue
            }
            guard let tree = try tree(of: fd.raw, path: bind.source, through: userns, writable: true) else { return nil }
            trees.append(tree)
        }
        return Trees(workspace: workspace, binds: trees)
    }

    /// The idmapped, detached tree of `fd`, or nil when its mount refuses (remembered).
    private static func tree(of fd: Int32, path: String, through userns: OwnedFD, writable: Bool) throws(SandboxError) -> OwnedFD? {
        let tree = OwnedFD(csb_idmapped_tree_fd(fd, userns.raw, writable ? 1 : 0))
        guard tree.isOpen else {
            let err = errno
            // EINVAL: no idmapped mounts on this file system; EPERM: the mount is idmapped already.
            guard err == EINVAL || err == EPERM || err == EOPNOTSUPP else {
                throw .system(call: "idmapped mount of '\(path)'", errno: err)
            }
            if let id = mountID(fd) { refusedMounts.withLock { $0.append(id) } }
            Trace.mark("idmap refused, sandbox runs as the owner")
            return nil
        }
        return tree
    }

    /// The owner is the sandbox's uid; every other uid is itself, except the sandbox's, which
    /// is nobody's (an on-disk file of that uid reads as unmapped). One write, at most 4 lines.
    static func uidMap(_ ids: Identity) -> String {
        var map = "\(ids.owner) \(ids.sandbox) 1\n"
        // Identity ranges around the two holes; plain integers and one string, as this runs on
        // the call's path in a process that may be new (generic types cost there on first use).
        var next: UInt64 = 0
        let low = UInt64(min(ids.owner, ids.sandbox))
        let high = UInt64(max(ids.owner, ids.sandbox))
        for hole in [low, high] where hole >= next {
            if hole > next { map += "\(next) \(next) \(hole - next)\n" }
            next = hole + 1
        }
        // uid 4294967295 is (uid_t)-1, no uid; the kernel's own map ends before it.
        let end: UInt64 = 4_294_967_295
        if next < end { map += "\(next) \(next) \(end - next)\n" }
        return map
    }
}
