#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Fields of a `/proc/PID/stat` line, as the kernel reports a task: its parent and nice value.
public enum ProcStat {
    /// The fields after the command name, which may hold spaces and parentheses, so they are
    /// counted from the last ')': the first is the state (field 3 in proc(5)).
    static func fields(_ stat: String) -> [Substring] {
        guard let close = stat.lastIndex(of: ")") else { return [] }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// Field 4, the parent's pid.
    public static func parent(_ stat: String) -> pid_t? {
        let fields = fields(stat)
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// Field 19, the nice value.
    public static func nice(_ stat: String) -> Int32? {
        let fields = fields(stat)
        return fields.count > 16 ? Int32(fields[16]) : nil
    }

    /// The nice value of a process's main thread, nil when it is gone.
    public static func nice(of pid: pid_t) -> Int32? {
        readTextFile("/proc/\(pid)/stat").flatMap(nice)
    }

    /// The nice values of a process's threads named `name` (their `comm`).
    public static func threadNices(of pid: pid_t, named name: String) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { tid in
            guard let stat = readTextFile("/proc/\(pid)/task/\(tid)/stat"), stat.contains("(\(name))") else { return nil }
            return nice(stat)
        }
    }
}
