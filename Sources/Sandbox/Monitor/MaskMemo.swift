#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The workspace masks a project has had, remembered across prepares and processes
/// (`/run/jcs-traps/masks/<dev>-<ino>` of the root, root-only), for the walk that stops early.
///
/// The walk is bounded (`walk_max_entries`, `walk_max_depth`) because it runs on every prepare
/// over a tree the tools write. A tool that floods the root with 30,000 empty files made the
/// next call's walk stop before `config/`, and that call read `config/.env`. A secret's
/// directories cannot be moved or removed from inside (masks.c pins them), so where the walk
/// once found a secret it still lies: a walk that stopped early is completed with the
/// remembered entries that are still there and still denied. A walk that finished is the truth
/// and replaces the memo. Only root keeps one (the tools' root is not the host's root: they
/// cannot reach the directory). The setuid/setgid files the walk found are remembered the same
/// way, and for the same reason: their directories are pinned too (`CSB_OP_PRIVILEGED`), and a
/// flood must not make the next call's walk miss one and leave it writable.
struct MaskMemo {
    private let file: String
    /// The root's descriptor, borrowed from the `RootHandle` for the prepare.
    private let root: Int32

    static let directory = TrapSet.hostBase + "/masks"

    /// Whether this process can keep memos: root, with the directory on the traps' tmpfs. Set up
    /// once per process, not on every prepare.
    private static let available: Bool = {
        guard geteuid() == 0 else { return false }
        do throws(SandboxError) { try TrapSet.ensureTmpfs(TrapSet.hostBase) } catch { return false }
        return mkdir(directory, 0o700) == 0 || errno == EEXIST
    }()

    /// nil when this monitor cannot keep one (not root).
    init?(root: RootHandle) {
        guard Self.available else { return nil }
        file = Self.directory + "/\(root.identity.device)-\(root.identity.inode)"
        self.root = root.fd.raw
    }

    /// `scan` completed from the memo when it stopped early; the memo brought up to date.
    func complete(_ scan: SensitiveMasks, traps: Profile.Traps) -> SensitiveMasks {
        let memo = read()
        guard scan.truncation != nil else {
            if scan.entries != memo.entries || scan.privileged != memo.privileged { write(scan) }
            return scan
        }
        let matcher = SensitiveMasks.matcher(traps)
        var completed = scan
        let found = Set(scan.entries.map(\.relative))
        for entry in memo.entries where !found.contains(entry.relative) {
            guard matcher.match(entry.relative.matchText) != nil else { continue }
            guard let (_, mode) = opened(entry.relative), mode & S_IFMT == (entry.isDirectory ? S_IFDIR : S_IFREG) else { continue }
            completed.entries.append(entry)
        }
        let privileged = Set(scan.privileged)
        for relative in memo.privileged where !privileged.contains(relative) {
            // Still a privileged regular file, and not one the denylist masks instead.
            guard isPrivileged(relative) else { continue }
            guard matcher.match(relative.matchText) == nil else { continue }
            completed.privileged.append(relative)
        }
        if completed.entries.count > scan.entries.count || completed.privileged.count > scan.privileged.count {
            write(completed)
        }
        return completed
    }

    /// `relative` beneath the root, no symlink at any component, and its mode; nil if not there.
    private func opened(_ relative: WorkspacePath) -> (fd: OwnedFD, mode: mode_t)? {
        let fd = OwnedFD(POSIX.withCString(relative.bytes) { csb_beneath_open_path(root, $0) })
        var st = stat()
        guard fd.isOpen, fstat(fd.raw, &st) == 0 else { return nil }
        return (fd, st.st_mode)
    }

    /// Whether `relative` is still a regular file that grants privilege
    /// (`SensitiveMasks.grantsPrivilege`).
    private func isPrivileged(_ relative: WorkspacePath) -> Bool {
        guard let (fd, mode) = opened(relative), mode & S_IFMT == S_IFREG else { return false }
        return SensitiveMasks.grantsPrivilege(mode: mode) {
            SensitiveMasks.hasCapabilities(Array("/proc/self/fd/\(fd.raw)".utf8), follow: true)
        }
    }

    /// One entry a record: `d ` or `f ` (a mask), `s ` (a setuid/setgid file), then the
    /// workspace-relative path's bytes (not necessarily UTF-8), ended by a NUL, the one byte no
    /// path holds (a newline once ended them, and a name with one was not remembered). A memo
    /// without NUL is of that earlier format, read by lines. Records of another shape (no tool
    /// can write here) are skipped.
    private func read() -> SensitiveMasks {
        var memo = SensitiveMasks()
        // Far above what `write` makes (1,024 records of at most PATH_MAX).
        guard let bytes = try? POSIX.readBytes(file, limit: 8 << 20) else { return memo }
        let end: UInt8 = bytes.contains(0) ? 0 : UInt8(ascii: "\n")
        for record in bytes.split(separator: end) where record.count > 2 && record[record.startIndex + 1] == UInt8(ascii: " ") {
            let tag = record[record.startIndex]
            let path = Array(record.dropFirst(2))
            guard !path.contains(0) else { continue }
            let relative = WorkspacePath(bytes: path)
            switch tag {
            case UInt8(ascii: "d"), UInt8(ascii: "f"):
                memo.entries.append(SensitiveMasks.Entry(relative: relative, isDirectory: tag == UInt8(ascii: "d")))
            case UInt8(ascii: "s"):
                memo.privileged.append(relative)
            default:
                continue
            }
        }
        return memo
    }

    /// Replaced whole (a file beside it, renamed over it): a reader never sees half a memo. A
    /// finished walk that found nothing removes it: an empty memo says nothing a missing one
    /// does not, and the directory keeps only the roots that have something to remember.
    private func write(_ scan: SensitiveMasks) {
        if scan.entries.isEmpty && scan.privileged.isEmpty {
            unlink(file)
            return
        }
        let masks = scan.entries.prefix(TrapSet.maxMasks)
            .map { Array(($0.isDirectory ? "d " : "f ").utf8) + $0.relative.bytes + [0] }
        let privileged = scan.privileged.prefix(TrapSet.maxMasks).map { Array("s ".utf8) + $0.bytes + [0] }
        let text = (masks + privileged).flatMap { $0 }
        // Room first: on a full tmpfs the new memo could not be written at all.
        Self.prune()
        let temporary = file + ".\(getpid()).tmp"
        unlink(temporary)
        let out = OwnedFD(open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600))
        guard out.isOpen else { return }
        let written = POSIX.writeAll(out.raw, text)
        out.close()
        if !written || rename(temporary, file) != 0 { unlink(temporary) }
    }

    /// The most roots remembered. Each memo takes a page of the traps' tmpfs (4 MiB), which the
    /// trap files and the trap groups' turn pages need too; a root's memo outlives the root (its
    /// identity cannot be looked up), so the memos of a thousand deleted test roots once filled
    /// it, and the next turn page could not be allocated.
    static let maxMemos = 128

    /// Past `maxMemos`, the least recently written memos go (before each write). A root whose memo went is walked
    /// whole again; only a walk that stops early before a new memo is written lacks completion.
    private static func prune() {
        guard let names = POSIX.entries(of: directory), names.count > maxMemos else { return }
        var aged: [(name: String, written: Int)] = []
        for name in names {
            var st = stat()
            guard lstat(directory + "/" + name, &st) == 0 else { continue }
            aged.append((name, st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec))
        }
        aged.sort { $0.written < $1.written }
        for old in aged.prefix(aged.count - maxMemos) { unlink(directory + "/" + old.name) }
    }
}
