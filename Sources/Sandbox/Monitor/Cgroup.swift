#if canImport(Glibc)
import Glibc
#endif

/// One sandbox's cgroup: where memory and process limits are enforced *and counted*, so the
/// result can say that a limit fired (an rlimit only makes allocations fail silently).
///
/// v2 when the unified hierarchy delegates `memory` and `pids` to the worker's cgroup, else v1
/// controllers. The group is created under the worker's own cgroup, never at the root, so a
/// supervisor's accounting of the worker still covers its sandboxes.
/// Which cgroup hierarchy enforces a sandbox's limits.
public enum CgroupVersion: String, Sendable { case v1, v2 }

final class Cgroup {
    typealias Version = CgroupVersion

    let version: Version
    /// v2: one directory; v1: the memory and pids directories (either may be missing).
    private let memoryDir: String?
    private let pidsDir: String?

    private init(version: Version, memoryDir: String?, pidsDir: String?) {
        self.version = version
        self.memoryDir = memoryDir
        self.pidsDir = pidsDir
    }

    var hasMemory: Bool { memoryDir != nil }
    var hasPids: Bool { pidsDir != nil }

    private static let counter = Counter()

    /// This process's pid namespace, by inode: a pid names a process only within its namespace,
    /// and coordinators in pid namespaces of their own (containers) may share a cgroup.
    private static let pidNamespace: String = {
        var st = stat()
        return stat("/proc/self/ns/pid", &st) == 0 ? String(st.st_ino) : "0"
    }()

    /// Creates the group; nil controllers the host cannot give are simply absent. Named
    /// `jcs-<pid>-<n>-<pid namespace>`: two coordinators whose pids are equal in namespaces of
    /// their own made the same name, and the second sandbox was refused (EEXIST).
    static func create(layout: CgroupLayout) -> Cgroup? {
        let name = "jcs-\(getpid())-\(counter.next())-\(pidNamespace)"
        for base in [layout.v2Dir, layout.v1Memory, layout.v1Pids].compactMap({ $0 }) { sweepStale(in: base) }
        switch layout.version {
        case .v2?:
            guard let base = layout.v2Dir else { return nil }
            let dir = "\(base)/\(name)"
            guard mkdir(dir, 0o755) == 0 else { return nil }
            return Cgroup(version: .v2, memoryDir: layout.v2Memory ? dir : nil, pidsDir: layout.v2Pids ? dir : nil)
        case .v1?:
            var memory: String? = nil
            var pids: String? = nil
            if let base = layout.v1Memory, mkdir("\(base)/\(name)", 0o755) == 0 { memory = "\(base)/\(name)" }
            if let base = layout.v1Pids, mkdir("\(base)/\(name)", 0o755) == 0 { pids = "\(base)/\(name)" }
            guard memory != nil || pids != nil else { return nil }
            return Cgroup(version: .v1, memoryDir: memory, pidsDir: pids)
        case nil:
            return nil
        }
    }

    /// v1: the groups' `tasks` files, opened here (the monitor's credentials are the ones the
    /// kernel checks) for the single-threaded child to write "0" to, which spares the global
    /// migration lock. v2 has no such file for a process: nil, use `add(pid:)`.
    func tasksFiles() throws(SandboxError) -> [OwnedFD]? {
        guard version == .v1 else { return nil }
        var files: [OwnedFD] = []
        for dir in Set([memoryDir, pidsDir].compactMap { $0 }).sorted() {
            files.append(try POSIX.open("\(dir)/tasks", O_WRONLY))
        }
        return files
    }

    func add(pid: pid_t) throws(SandboxError) {
        for dir in Set([memoryDir, pidsDir].compactMap { $0 }).sorted() {
            try POSIX.writeFile("\(dir)/cgroup.procs", "\(pid)\n")
        }
    }

    func setLimits(memoryBytes: UInt64, maxProcs: Int) throws(SandboxError) {
        if let memoryDir {
            switch version {
            case .v2:
                try POSIX.writeFile("\(memoryDir)/memory.max", "\(memoryBytes)\n")
                // Without this, v2 swaps instead of killing and the limit never "fires".
                _ = try? POSIX.writeFile("\(memoryDir)/memory.swap.max", "0\n")
            case .v1:
                try POSIX.writeFile("\(memoryDir)/memory.limit_in_bytes", "\(memoryBytes)\n")
            }
        }
        if let pidsDir {
            // init is one of the processes.
            try POSIX.writeFile("\(pidsDir)/pids.max", "\(maxProcs + 1)\n")
        }
    }

    /// How many times the OOM killer ran in this group.
    var oomKills: Int {
        guard let memoryDir else { return 0 }
        let file = version == .v2 ? "memory.events" : "memory.oom_control"
        return Cgroup.counter(named: "oom_kill", in: POSIX.readFile("\(memoryDir)/\(file)"))
    }

    /// How many forks the pids limit refused.
    var pidsRefused: Int {
        guard let pidsDir else { return 0 }
        return Cgroup.counter(named: "max", in: POSIX.readFile("\(pidsDir)/pids.events"))
    }

    /// Removes the group; call once every process in it is gone.
    func remove() {
        for dir in Set([memoryDir, pidsDir].compactMap { $0 }) {
            // A just-killed group may still hold exiting tasks for a moment.
            for _ in 0..<50 {
                if rmdir(dir) == 0 || errno == ENOENT { break }
                usleep(1000)
            }
        }
    }

    /// Removes the groups of monitors of this pid namespace that died without tearing down
    /// (SIGKILL, power loss): `jcs-<pid>-<n>-<ours>` whose pid is gone, and the older
    /// `jcs-<pid>-<n>`. Another namespace's pid means nothing here: its groups are its own to
    /// sweep (a fresh one of theirs, not joined yet, was removed under them). A group that still
    /// holds processes refuses rmdir.
    static func sweepStale(in base: String) {
        guard let dir = opendir(base) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let parts = name.split(separator: "-")
            guard parts.count == 3 || (parts.count == 4 && parts[3] == pidNamespace) else { continue }
            guard parts[0] == "jcs", let owner = pid_t(parts[1]) else { continue }
            if kill(owner, 0) != 0 && errno == ESRCH { rmdir("\(base)/\(name)") }
        }
    }

    private static func counter(named name: String, in text: String?) -> Int {
        guard let text else { return 0 }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == name { return Int(parts[1]) ?? 0 }
        }
        return 0
    }
}

/// A thread-safe counter for unique group names.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    func next() -> Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        value += 1
        return value
    }
}

/// Where this process may create cgroups, read once from /proc/self/{cgroup,mountinfo}.
public struct CgroupLayout: Sendable, Equatable {
    public var version: CgroupVersion?
    public var v2Dir: String?
    public var v2Memory = false
    public var v2Pids = false
    public var v1Memory: String?
    public var v1Pids: String?

    public var memory: Bool { version == .v2 ? v2Memory : v1Memory != nil }

    /// Where " - " splits a mountinfo line. A plain loop: the generic `firstRange(of:)` pulls in
    /// the string-processing machinery, whose first use made reading the layout take 1 to 2 ms
    /// of a one-shot `jcs sandbox run` (0.3 ms without it, measured with JCS_TRACE).
    private static func separatorIndex(in line: ArraySlice<UInt8>) -> Int? {
        var i = line.startIndex
        while i + 2 < line.endIndex {
            if line[i] == 32 && line[i + 1] == 45 && line[i + 2] == 32 { return i }
            i += 1
        }
        return nil
    }
    public var pids: Bool { version == .v2 ? v2Pids : v1Pids != nil }

    public static func detect() -> CgroupLayout {
        var layout = CgroupLayout()
        guard let mountinfo = POSIX.readFile("/proc/self/mountinfo"),
            let membership = POSIX.readFile("/proc/self/cgroup")
        else { return layout }
        // Byte-wise: String's Character views run grapheme breaking, which measured ~0.3 ms
        // here on a ~4 KiB mountinfo, on the critical path of every one-shot sandbox.
        func fields(_ line: ArraySlice<UInt8>, _ separator: UInt8) -> [ArraySlice<UInt8>] {
            line.split(separator: separator, omittingEmptySubsequences: false)
        }
        func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        // /proc/self/cgroup: "hierarchy:controllers:path"; "0::path" is the unified one.
        var paths: [String: String] = [:]
        for line in Array(membership.utf8).split(separator: UInt8(ascii: "\n")) {
            let parts = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[1].isEmpty { paths[""] = text(parts[2]) }
            for controller in parts[1].split(separator: UInt8(ascii: ",")) { paths[text(controller)] = text(parts[2]) }
        }
        var v1Mounts: [String: String] = [:]
        var v2Mount: String?
        for line in Array(mountinfo.utf8).split(separator: UInt8(ascii: "\n")) {
            // "... mountpoint ... - fstype source superoptions"
            guard let cut = separatorIndex(in: line) else { continue }
            let left = fields(line[line.startIndex..<cut], UInt8(ascii: " "))
            let right = fields(line[(cut + 3)...], UInt8(ascii: " "))
            guard left.count >= 5, right.count >= 3 else { continue }
            let type = text(right[0])
            if type == "cgroup2" { v2Mount = text(left[4]) }
            if type == "cgroup" {
                for option in right[2].split(separator: UInt8(ascii: ",")) {
                    let name = text(option)
                    if name == "memory" || name == "pids" { v1Mounts[name] = text(left[4]) }
                }
            }
        }
        func join(_ mount: String, _ path: String?) -> String? {
            guard let path else { return nil }
            return path == "/" ? mount : mount + path
        }
        if let v2Mount, let dir = join(v2Mount, paths[""]),
            let delegated = POSIX.readFile("\(dir)/cgroup.subtree_control")
        {
            let controllers = delegated.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if controllers.contains("memory") || controllers.contains("pids") {
                layout.version = .v2
                layout.v2Dir = dir
                layout.v2Memory = controllers.contains("memory")
                layout.v2Pids = controllers.contains("pids")
                return layout
            }
        }
        if let mount = v1Mounts["memory"], let dir = join(mount, paths["memory"]), access(dir, W_OK) == 0 {
            layout.v1Memory = dir
        }
        if let mount = v1Mounts["pids"], let dir = join(mount, paths["pids"]), access(dir, W_OK) == 0 {
            layout.v1Pids = dir
        }
        if layout.v1Memory != nil || layout.v1Pids != nil { layout.version = .v1 }
        return layout
    }
}
