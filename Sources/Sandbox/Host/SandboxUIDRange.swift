#if canImport(Glibc)
import Glibc
#endif

/// The host uids a profile's sandboxes run as (`identity.per_sandbox_uid_base`), checked against
/// this host (`jcs doctor`): this process's user namespace must map all of them, or the id map
/// of a sandbox is refused; an account inside the range would share its budgets with one sandbox.
public struct SandboxUIDRange: Sendable {
    public var uids: ClosedRange<UInt32>
    /// Whether `/proc/self/uid_map` maps every uid of the range.
    public var mapped: Bool
    /// Accounts of /etc/passwd whose uid lies in the range.
    public var accounts: [String]

    /// Nil when the profile shares `identity.host_uid` between sandboxes.
    public static func check(_ identity: Profile.Identity) -> SandboxUIDRange? {
        guard let uids = uids(of: identity) else { return nil }
        return SandboxUIDRange(uids: uids, mapped: mapsAll(uids), accounts: accounts(in: uids))
    }

    /// The uids `identity`'s sandboxes may run as; nil when they share `identity.host_uid`.
    static func uids(of identity: Profile.Identity) -> ClosedRange<UInt32>? {
        guard identity.sandboxUIDBase != 0 else { return nil }
        return identity.sandboxUIDBase ... identity.sandboxUIDBase + (Profile.Identity.sandboxUIDSpan - 1)
    }

    /// Each line of uid_map is "inside outside count"; this process's ids are the inside ones.
    static func mapsAll(_ uids: ClosedRange<UInt32>) -> Bool {
        guard let bytes = try? POSIX.readBytes("/proc/self/uid_map", limit: 1 << 16) else { return false }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        return lines.contains { line in
            let fields = line.split(separator: " ").compactMap { UInt64($0) }
            guard fields.count == 3 else { return false }
            return fields[0] <= UInt64(uids.lowerBound) && UInt64(uids.upperBound) < fields[0] + fields[2]
        }
    }

    /// From /etc/passwd itself: `jcs` is linked statically, where glibc's NSS modules (systemd's,
    /// LDAP's) crash or are absent, so accounts only a directory service knows are not seen.
    private static func accounts(in uids: ClosedRange<UInt32>) -> [String] {
        guard let bytes = try? POSIX.readBytes("/etc/passwd", limit: 16 << 20) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count > 2, let uid = UInt32(fields[2]), uids.contains(uid) else { return nil }
            return String(fields[0])
        }
    }

    public var problem: String? {
        if !mapped {
            return "uids \(uids.lowerBound)-\(uids.upperBound) are not all mapped in this user namespace: set "
                + "identity.per_sandbox_uid_base to a range it maps, or to 0 to share identity.host_uid"
        }
        if !accounts.isEmpty { return "accounts in the range share a budget with a sandbox: \(accounts.joined(separator: ", "))" }
        return nil
    }

    /// The check as a line of `jcs doctor`: missing when unmapped, a warning for any other problem.
    public func layer(profileName: String) -> HostCapabilities.Layer {
        HostCapabilities.Layer(
            name: "per_sandbox_uids", available: mapped,
            detail: problem ?? "uids \(uids.lowerBound)-\(uids.upperBound): each sandbox of profile '\(profileName)' runs as a host user of its own",
            warning: mapped && problem != nil)
    }

    public var json: JSONValue {
        [
            "first": .int(Int64(uids.lowerBound)), "last": .int(Int64(uids.upperBound)), "mapped": .bool(mapped),
            "accounts": .array(accounts.map { .string($0) }),
        ]
    }
}
