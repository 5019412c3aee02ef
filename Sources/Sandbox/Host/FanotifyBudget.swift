#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The host's fanotify budget for this user, as `jcs doctor` reports it: every process that runs
/// sandboxes with traps holds one group (`TrapGroup`), and a user has `fs.fanotify.max_user_groups`
/// of them host-wide (128 by default, shared by every process of the user, tools included).
public struct FanotifyBudget: Sendable, Equatable {
    /// `fs.fanotify.max_user_groups`; nil when unreadable.
    public var maxUserGroups: Int?
    /// `fs.fanotify.max_user_marks`; nil when unreadable.
    public var maxUserMarks: Int?
    /// Fanotify groups open in this user's processes, each counted once however many processes
    /// hold a descriptor of it (the sandboxes' shared group is held by every monitor). nil when
    /// `/proc` is unreadable.
    public var groupsInUse: Int?

    /// The share of `maxUserGroups` in use from which doctor warns.
    public static let warningPercent = 75

    public var warningThreshold: Int? { maxUserGroups.map { max(1, $0 * FanotifyBudget.warningPercent / 100) } }

    public var isWarning: Bool {
        guard let used = groupsInUse, let threshold = warningThreshold else { return false }
        return used >= threshold
    }

    public static func read() -> FanotifyBudget {
        func number(_ path: String) -> Int? {
            POSIX.readFile(path, limit: 64).flatMap { Int($0.split(separator: "\n").first ?? "") }
        }
        return FanotifyBudget(
            maxUserGroups: number("/proc/sys/fs/fanotify/max_user_groups"),
            maxUserMarks: number("/proc/sys/fs/fanotify/max_user_marks"), groupsInUse: countGroups(uid: geteuid()))
    }

    /// Walks `/proc/PID/fd` of `uid`'s processes for `anon_inode:[fanotify]`, one count per open file.
    static func countGroups(uid: uid_t) -> Int? {
        guard let proc = opendir("/proc") else { return nil }
        defer { closedir(proc) }
        var count = 0
        var seen: [(pid: pid_t, fd: Int32)] = []
        var target = [CChar](repeating: 0, count: 64)
        while let entry = readdir(proc) {
            let pid = POSIX.name(of: entry)
            guard let first = pid.utf8.first, first >= 0x30 && first <= 0x39 else { continue }
            var st = stat()
            guard stat("/proc/\(pid)", &st) == 0, st.st_uid == uid, let fds = opendir("/proc/\(pid)/fd") else { continue }
            while let fd = readdir(fds) {
                let name = POSIX.name(of: fd)
                guard name != "." && name != ".." else { continue }
                let n = readlink("/proc/\(pid)/fd/\(name)", &target, target.count - 1)
                guard n > 0 else { continue }
                let link = String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard link == "anon_inode:[fanotify]", let pidNumber = pid_t(pid), let fdNumber = Int32(name) else { continue }
                // kcmp tells one open file held twice from two groups; where it cannot, count it.
                if !seen.contains(where: { csb_same_file($0.pid, $0.fd, pidNumber, fdNumber) == 1 }) {
                    seen.append((pidNumber, fdNumber))
                    count += 1
                }
            }
            closedir(fds)
        }
        return count
    }

    /// The `fanotify_budget` line of `jcs doctor`: available when the limits are readable, a
    /// warning from `warningPercent` of the groups on.
    var layer: HostCapabilities.Layer {
        guard let groups = maxUserGroups else {
            return HostCapabilities.Layer(
                name: "fanotify_budget", available: false,
                detail: "fs.fanotify.max_user_groups is unreadable: the number of groups left is unknown")
        }
        let used = groupsInUse.map { "\($0)" } ?? "unknown"
        let marks = maxUserMarks.map { "\($0)" } ?? "unknown"
        var detail =
            "\(used) of \(groups) fanotify groups in use by uid \(geteuid()) (max_user_groups; one per process running "
            + "sandboxes with traps), \(marks) marks per user (max_user_marks; one per trap inode)"
        if isWarning {
            detail += "; at or past \(FanotifyBudget.warningPercent) %: new sandbox processes will fail with EMFILE "
                + "once all are taken (raise fs.fanotify.max_user_groups)"
        }
        return HostCapabilities.Layer(name: "fanotify_budget", available: true, detail: detail, warning: isWarning)
    }

    var json: JSONValue {
        [
            "max_user_groups": maxUserGroups.map { .int(Int64($0)) } ?? .null,
            "max_user_marks": maxUserMarks.map { .int(Int64($0)) } ?? .null,
            "groups_in_use": groupsInUse.map { .int(Int64($0)) } ?? .null,
            "warning_threshold": warningThreshold.map { .int(Int64($0)) } ?? .null,
            "warning": .bool(isWarning),
        ]
    }
}
