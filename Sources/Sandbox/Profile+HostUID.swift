extension Profile.Identity {
    /// The base of the sandbox's own host uid, or nil when it runs as `hostUID`: when the profile
    /// turns per-sandbox uids off, and when it binds a host path writable, whose owner must
    /// recognise the writer (`docs/profiles.md`, `identity`). Only for a root-owned project:
    /// another owner's project runs as that owner, so its files keep their owner.
    func ownHostUIDBase(_ filesystem: Profile.Filesystem) -> UInt32? {
        guard sandboxUIDBase != 0 else { return nil }
        let writesHostPath = filesystem.mounts.contains {
            if case .bind(_, _, let writable, _) = $0 { writable } else { false }
        }
        return writesHostPath ? nil : sandboxUIDBase
    }
}
