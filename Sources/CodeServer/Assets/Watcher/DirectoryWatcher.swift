#if canImport(Glibc)
import Glibc
#endif

/// A recursive inotify watch over one directory tree (a project's `.jido/`), reporting which
/// paths changed, relative to the root.
///
/// Editors save in many ways (write in place, write a temporary file and rename it over the
/// original, delete and recreate); all of them surface here as a change of the final path.
/// Directories created later are watched as soon as they appear, and what they already hold by
/// then is reported as changed, so a `mkdir -p a/b && echo x > a/b/f` burst is not lost.
///
/// - Important: not thread-safe; one owner reads it (the watch loop).
public final class DirectoryWatcher {
    /// What `read` found.
    public enum Change: Hashable, Sendable {
        case path(String)
        /// The kernel's queue overflowed or the root itself went away: rescan everything.
        case rescan
    }

    /// The project root's handle and the watched tree below it (`.jido`): every directory watched
    /// is opened from the handle with no link allowed and watched through `/proc/self/fd/N`, so a
    /// directory a tool swaps for a link to `/` costs nothing and watches nothing outside. Only
    /// the root is held open; a held `.jido/` would delay its `IN_DELETE_SELF` until closed.
    public let root: ProjectDirectory
    public let base: String
    private let fd: Int32
    private var directories: [Int32: String] = [:]
    /// Directories below `base` not watched (the project's data directory): not assets, and
    /// each would cost a watch.
    private let skip: Set<String>
    private let maximumDirectories: Int
    private let maximumDepth: Int
    /// Where bounds hit are recorded, for the next snapshot's asset errors.
    private let limits: WatchLimits

    private static let mask: UInt32 =
        UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB
            | IN_DELETE_SELF | IN_MOVE_SELF)

    /// Watches `root` and every directory below it, up to `maximumDirectories` watches and
    /// `maximumDepth` levels; each bound hit is recorded in `limits`. Throws the errno of the
    /// first failure.
    public init(
        root: ProjectDirectory, base: String = ".", skip: Set<String> = [], maximumDirectories: Int = 256,
        maximumDepth: Int = 8, limits: WatchLimits = WatchLimits()
    ) throws(WatcherError) {
        self.root = root
        self.base = base
        self.skip = skip
        self.maximumDirectories = maximumDirectories
        self.maximumDepth = maximumDepth
        self.limits = limits
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw .system(call: "inotify_init1", errno: errno) }
        do {
            try watchTree("", tolerateMissing: false)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Directories watched now.
    public var watchCount: Int { directories.count }

    deinit { close(fd) }

    /// The descriptor to poll for readability.
    public var descriptor: Int32 { fd }

    /// Drains the pending events without blocking; an empty set when there are none.
    public func read() -> Set<Change> {
        var changes = Set<Change>()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let (event, name) = buffer.withUnsafeBytes { raw -> (inotify_event, String) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let start = offset + MemoryLayout<inotify_event>.size
                    let nameBytes = raw[start..<(start + Int(event.len))].prefix { $0 != 0 }
                    return (event, String(decoding: nameBytes, as: UTF8.self))
                }
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
                handle(event, name: name, into: &changes)
            }
        }
        return changes
    }

    private func handle(_ event: inotify_event, name: String, into changes: inout Set<Change>) {
        if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
            changes.insert(.rescan)
            return
        }
        guard let directory = directories[event.wd] else { return }
        if event.mask & UInt32(IN_IGNORED) != 0 {
            directories[event.wd] = nil
            if directory.isEmpty { changes.insert(.rescan) }
            return
        }
        if event.mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
            if directory.isEmpty { changes.insert(.rescan) }
            return
        }
        let path = directory.isEmpty ? name : "\(directory)/\(name)"
        changes.insert(.path(path))
        // A directory that appeared (created or moved in) is watched now; what it already holds
        // was created before the watch existed, so it is reported too.
        if event.mask & UInt32(IN_ISDIR) != 0 && event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
            for found in (try? watchTree(path, tolerateMissing: true)) ?? [] { changes.insert(.path(found)) }
        }
    }

    /// Adds watches on `relative` and every directory below it; returns the paths found. A
    /// directory removed (or replaced by a link) between its event and this call is no error
    /// (`tolerateMissing`); a missing root is. Past a bound the directory is recorded in `limits`
    /// and not watched.
    @discardableResult
    private func watchTree(_ relative: String, tolerateMissing: Bool) throws(WatcherError) -> [String] {
        guard !skip.contains(relative) else { return [] }
        let depth = relative.isEmpty ? 0 : relative.split(separator: "/").count
        guard depth <= maximumDepth else {
            limits.record(relative, reason: "deeper than watcher_max_depth (\(maximumDepth)): not watched")
            return []
        }
        guard directories.count < maximumDirectories else {
            limits.record(relative, reason: "watcher_max_directories (\(maximumDirectories)) reached: not watched")
            return []
        }
        let directory: ProjectDirectory
        do {
            directory = try root.directory(relative.isEmpty ? base : "\(base)/\(relative)")
        } catch {
            if tolerateMissing { return [] }
            throw .unreachable(error)
        }
        // The magic link names the directory the descriptor holds, whatever its path is now.
        let wd = inotify_add_watch(fd, "/proc/self/fd/\(directory.descriptor)", DirectoryWatcher.mask | UInt32(IN_ONLYDIR))
        guard wd >= 0 else {
            if tolerateMissing && (errno == ENOENT || errno == ENOTDIR) { return [] }
            throw .system(call: "inotify_add_watch(\(relative.isEmpty ? "." : relative))", errno: errno)
        }
        directories[wd] = relative
        limits.clear(relative)
        var found: [String] = []
        // Bounded like the loader's walk: a directory of a million names costs a bounded listing.
        guard let entries = try? directory.entries(limit: maximumDirectories * 16) else { return found }
        // A name that is not UTF-8 is shown, not spelled: it opens nothing (or a different entry
        // spelled `\xNN`), and the loader reports it instead of reading it.
        for entry in entries where entry.nameIsUTF8 {
            let child = relative.isEmpty ? entry.name : "\(relative)/\(entry.name)"
            found.append(child)
            if entry.type == .directory { found += try watchTree(child, tolerateMissing: true) }
        }
        return found
    }
}

/// Why a watch could not be set up.
public enum WatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    case system(call: String, errno: Int32)
    /// The directory to watch could not be opened beneath the root (a link, gone).
    case unreachable(ProjectFileError)

    public var description: String {
        switch self {
        case .unreachable(let error): "cannot watch \(error)"
        case .system(let call, let errno): "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }
}
