#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// A project's disk limit (`limits.disk_mb`, `limits.disk_inodes`), kept by the file system's
/// project quotas (ext4 mounted `prjquota`, xfs `pquota`): the kernel refuses the write or the
/// creation with EDQUOT, whichever process makes it, and the usage it counts tells afterwards
/// whether the limit was reached. Without them, only with the downgrade `disk_quota`: measured
/// after each run and reported, never enforced.
///
/// The project id is derived from the root directory's inode number, so it is stable across
/// restarts and distinct for every project on an ext4 file system (32-bit inode numbers); on xfs
/// two roots whose inode numbers agree in their low 32 bits would share a quota.
struct DiskQuota {
    enum Mode {
        /// The file system's project quota with this id: the kernel refuses past the limit.
        case projectQuota(id: UInt32)
        /// The allowed downgrade `disk_quota` on a host without project quotas: nothing refuses
        /// the write, but the project's usage is measured after every run and a limit it passed
        /// is reported. Detection, not enforcement.
        case measuredAfterRun
    }

    let root: String
    let mode: Mode
    let limits: Profile.Limits

    /// What the profile asks for, set on the project before its sandbox is built. nil when the
    /// profile sets no disk limit.
    static func apply(profile: Profile, root: String, rootInode: UInt64) throws(SandboxError) -> DiskQuota? {
        let limits = profile.limits
        guard limits.diskMB > 0 || limits.diskInodes > 0 else { return nil }
        let supported = geteuid() == 0 ? csb_project_quota_supported(root) : EPERM
        guard supported == 0 else {
            guard profile.allowedDowngrades.contains(.diskQuota) else {
                throw .hostLacks(
                    layer: "the disk limit (limits.disk_mb, limits.disk_inodes)",
                    reason: "no project quotas on the file system of '\(root)' (\(SandboxError.errnoText(supported)); "
                        + "ext4 needs the project feature and the prjquota mount option, xfs pquota, and the kernel "
                        + "CONFIG_QUOTA or CONFIG_XFS_QUOTA)")
            }
            return DiskQuota(root: root, mode: .measuredAfterRun, limits: limits)
        }
        let folded = UInt32(truncatingIfNeeded: rootInode) ^ UInt32(truncatingIfNeeded: rootInode >> 32)
        let id = folded == 0 ? 1 : folded
        let rc = csb_project_quota_apply(root, id, UInt64(limits.diskMB) << 20, UInt64(limits.diskInodes))
        guard rc == 0 else {
            throw .setupFailed(step: "setting the project's disk quota", errno: rc, detail: root)
        }
        return DiskQuota(root: root, mode: .projectQuota(id: id), limits: limits)
    }

    /// Whether the project is at (quota) or past (measured) one of its limits after a run.
    func reached() -> Bool {
        switch mode {
        case .projectQuota(let id):
            // The inode count at its limit, or the bytes within 64 KiB of it: a write the quota cut
            // short stops at the last whole block.
            var usage = csb_quota_usage()
            guard csb_project_quota_usage(root, id, &usage) == 0 else { return false }
            if usage.inodes_limit > 0 && usage.inodes >= usage.inodes_limit { return true }
            if usage.bytes_limit > 0 && usage.bytes + 65536 >= usage.bytes_limit { return true }
            return false
        case .measuredAfterRun:
            return measuredPastLimit()
        }
    }

    /// Walks the project (no symlinks followed) adding up allocated bytes and entries, and stops
    /// as soon as a limit is passed: the walk costs at most the limit itself in entries, or
    /// `maxMeasuredEntries` when only bytes are limited.
    static let maxMeasuredEntries = 1_000_000

    private func measuredPastLimit() -> Bool {
        let byteLimit = UInt64(limits.diskMB) << 20
        let inodeLimit = UInt64(limits.diskInodes)
        var bytes: UInt64 = 0
        var inodes: UInt64 = 0
        let top = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0 else { return false }
        // (parent, name) pairs: a directory is opened when its turn comes, so the descriptors
        // open at once are bounded by the depth, not by how many directories wait.
        // Names stay bytes: one decoded from a name that is not UTF-8 opens nothing, and the tool
        // that made it would have kept what is below it out of the count.
        var pending: [(parent: OwnedFD, name: [UInt8]?)] = [(OwnedFD(top), nil)]
        while let (parent, name) = pending.popLast() {
            let directory: OwnedFD
            if let name {
                let fd = POSIX.withCString(name) { openat(parent.raw, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                guard fd >= 0 else { continue }
                directory = OwnedFD(fd)
            } else {
                directory = parent
            }
            let copy = fcntl(directory.raw, F_DUPFD_CLOEXEC, 0)
            guard copy >= 0, let stream = fdopendir(copy) else {
                if copy >= 0 { close(copy) }
                continue
            }
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                let name = POSIX.nameBytes(of: entry)
                if POSIX.isSelfOrParent(name) { continue }
                var st = stat()
                guard POSIX.withCString(name, { fstatat(directory.raw, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { continue }
                inodes += 1
                bytes += UInt64(st.st_blocks) * 512
                if (inodeLimit > 0 && inodes > inodeLimit) || (byteLimit > 0 && bytes > byteLimit) { return true }
                if inodes > UInt64(DiskQuota.maxMeasuredEntries) { return false }
                if st.st_mode & S_IFMT == S_IFDIR { pending.append((directory, name)) }
            }
        }
        return false
    }
}
