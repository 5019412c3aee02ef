#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The byte plan the child executes to build its root (format: `csandbox.h`, `enum csb_op`).
/// Built here, in Swift, so the child never parses anything but length-prefixed records.
struct MountPlan {
    private(set) var bytes: [UInt8] = []
    /// The resolved sources of the writable binds the monitor hands over idmapped, in plan order
    /// (one `CSB_TAG_BINDFD` each).
    private(set) var idmappedBinds: [(source: String, optional: Bool)] = []

    mutating func append(_ op: csb_op, flags: UInt32 = 0, num: UInt64 = 0, a: String = "", b: String = "") {
        append(op, flags: flags, num: num, a: Array(a.utf8), b: Array(b.utf8))
    }

    /// A record whose paths are bytes (a workspace name need not be UTF-8).
    mutating func append(_ op: csb_op, flags: UInt32 = 0, num: UInt64 = 0, a: [UInt8], b: [UInt8]) {
        bytes.appendLE(op.rawValue)
        bytes.appendLE(flags)
        bytes.appendLE(num)
        let aBytes = a + [0]
        let bBytes = b + [0]
        bytes.appendLE(UInt32(aBytes.count))
        bytes.appendLE(UInt32(bBytes.count))
        bytes.append(contentsOf: aBytes)
        bytes.append(contentsOf: bBytes)
    }

    /// The plan for `profile` with the project at `root` (a real path). Bind sources are resolved
    /// here, on the host, because inside the child an absolute symlink would resolve against the
    /// half-built root.
    ///
    /// - Parameter ownNetwork: the clone makes the sandbox a new network namespace whose loopback
    ///   it must bring up itself (one made ahead by the monitor has it up already, and refuses
    ///   the child, which holds no capability over it).
    /// - Parameter rootIdentity: what the child must find at `root` before it mounts it.
    /// - Parameter idmappedBinds: writable binds are idmapped by the monitor (the sandbox has a
    ///   uid of its own, and what it writes there must keep the uid it would have run as).
    static func build(
        profile: Profile, root: String, rootIdentity: FileIdentity, protectedPaths: [String] = [], idmapped: Bool,
        idmappedBinds: Bool = false, ownNetwork: Bool, traps: TrapSet? = nil
    ) throws(SandboxError) -> MountPlan {
        var plan = MountPlan()
        let fs = profile.filesystem
        // A bind below /tmp goes after the /tmp tmpfs, which would otherwise hide it.
        let belowTmp = { (mount: Profile.Mount) in fs.tmpSizeMB > 0 && Profile.Mount.isBindBelowTmp(mount) }
        for (index, mount) in fs.mounts.enumerated() where !belowTmp(mount) {
            try plan.appendMount(mount, index: index, idmapped: idmappedBinds)
        }
        var workspaceFlags: UInt32 = 0
        if fs.workspaceWritable { workspaceFlags |= CSB_FLAG_WRITABLE.rawValue }
        if idmapped { workspaceFlags |= CSB_FLAG_IDMAPPED.rawValue }
        plan.append(CSB_OP_ROOT_IDENTITY, num: rootIdentity.inode, a: String(rootIdentity.device), b: "/")
        plan.append(CSB_OP_WORKSPACE, flags: workspaceFlags, a: root, b: fs.workspacePath)
        for path in protectedPaths {
            plan.append(CSB_OP_PROTECT, a: path, b: fs.workspacePath)
        }
        // Before the traps, whose pins clone what is mounted below them.
        for path in traps?.privilegedFiles ?? [] {
            plan.append(CSB_OP_PRIVILEGED, a: path.bytes, b: Array(fs.workspacePath.utf8))
        }
        if fs.tmpSizeMB > 0 {
            plan.append(CSB_OP_TMPFS, num: UInt64(fs.tmpSizeMB) << 20, b: "/tmp")
        }
        for (index, mount) in fs.mounts.enumerated() where belowTmp(mount) {
            try plan.appendMount(mount, index: index, idmapped: idmappedBinds)
        }
        let procFlags = profile.seccomp.refusesNamespaceCreation ? 0 : CSB_FLAG_NAMESPACE_CAPS.rawValue
        plan.append(CSB_OP_PROC, flags: procFlags, b: "/proc")
        plan.append(CSB_OP_DEV, b: "/dev")
        plan.append(CSB_OP_HOSTNAME, a: profile.identity.hostname, b: "/")
        if ownNetwork {
            plan.append(CSB_OP_LOOPBACK, a: "lo", b: "/")
        }
        // Last, so that a trap covers whatever a mount or the workspace put at its path.
        for trap in traps?.mounts ?? [] {
            plan.append(CSB_OP_TRAP, flags: trap.flags, a: Array(trap.source.utf8), b: trap.target)
        }
        return plan
    }
}

extension MountPlan {
    /// One of the profile's mounts; `index` names it in errors.
    fileprivate mutating func appendMount(_ mount: Profile.Mount, index: Int, idmapped: Bool) throws(SandboxError) {
        switch mount {
        case .bind(let source, let target, let writable, let optional):
            guard let resolved = POSIX.realpath(source) else {
                let err = errno
                if optional && err == ENOENT { return }
                throw .invalidRequest(
                    field: "filesystem.mounts[\(index)].source",
                    reason: err == ENOENT
                        ? "'\(source)' does not exist on this host (mark the mount optional to skip it)"
                        : "'\(source)' cannot be resolved: \(SandboxError.errnoText(err))")
            }
            var flags: UInt32 = 0
            if writable { flags |= CSB_FLAG_WRITABLE.rawValue }
            if optional { flags |= CSB_FLAG_OPTIONAL.rawValue }
            if writable && idmapped {
                guard idmappedBinds.count < Int(CSB_MAX_BIND_TREES) else {
                    throw .invalidRequest(
                        field: "filesystem.mounts[\(index)]",
                        reason: "at most \(CSB_MAX_BIND_TREES) writable binds with identity.per_sandbox_uid_base set")
                }
                flags |= CSB_FLAG_IDMAPPED.rawValue
                idmappedBinds.append((resolved, optional))
            }
            append(CSB_OP_BIND, flags: flags, a: resolved, b: target)
        case .tmpfs(let target, let sizeMB):
            append(CSB_OP_TMPFS, num: UInt64(sizeMB) << 20, b: target)
        case .symlink(let target, let to):
            append(CSB_OP_SYMLINK, a: to, b: target)
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendCString(_ s: String) {
        let bytes = Array(s.utf8)
        appendLE(UInt32(bytes.count + 1))
        append(contentsOf: bytes)
        append(0)
    }
}
