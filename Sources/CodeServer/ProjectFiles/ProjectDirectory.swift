#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Sandbox

/// A directory of a project, held open: everything below it is reached from this descriptor with
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)`, never by a path string
/// the kernel would resolve again. A tool can rename, replace or symlink anything in the project
/// while the coordinator reads it; a walk from held descriptors cannot be sent elsewhere, and a
/// planted link is an error instead of a detour to `/etc`.
///
/// The descriptor never changes after `init`, so sharing it between threads is safe.
public final class ProjectDirectory: @unchecked Sendable {
    /// Entries of a listing, by what `fstatat(AT_SYMLINK_NOFOLLOW)` says they are now.
    public enum EntryType: Sendable, Equatable {
        case directory, regular, symlink, other
    }

    public struct Entry: Sendable, Equatable {
        /// The name; when it is not UTF-8 (`nameIsUTF8` false), as shown to people, with `\xNN`
        /// for each byte that is not, and not a name anything here can open.
        public var name: String
        public var type: EntryType
        public var nameIsUTF8 = true
    }

    private let owned: OwnedFD
    /// Relative to the project root ("" for the root itself), for error messages.
    public let relativePath: String

    /// The descriptor (for `inotify_add_watch` through `/proc/self/fd/N`); owned by this object.
    public var descriptor: Int32 { owned.raw }

    init(owning fd: Int32, relativePath: String) {
        owned = OwnedFD(fd)
        self.relativePath = relativePath
    }

    private func name(_ relative: String) -> String {
        relativePath.isEmpty ? relative : relative == "." ? relativePath : "\(relativePath)/\(relative)"
    }

    /// Opens `relative` beneath this directory with `flags`, retrying the kernel's `EAGAIN` (a
    /// concurrent rename somewhere on the host).
    func openBeneath(_ relative: String, flags: Int32) throws(ProjectFileError) -> Int32 {
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.utf8.contains(0) else {
            throw .escapes(path: name(relative))
        }
        for _ in 0..<64 {
            let fd = csb_beneath_open(owned.raw, relative, flags)
            if fd >= 0 { return fd }
            if errno == EAGAIN || errno == EINTR { continue }
            throw .opening(name(relative), errno: errno)
        }
        throw .system(call: "openat2", path: name(relative), errno: EAGAIN)
    }

    /// The directory `relative` below this one, opened for listing.
    public func directory(_ relative: String) throws(ProjectFileError) -> ProjectDirectory {
        let fd = try openBeneath(relative, flags: O_RDONLY | O_DIRECTORY | O_NONBLOCK)
        return ProjectDirectory(owning: fd, relativePath: name(relative))
    }

    /// The entries of this directory (without `.` and `..`), in directory order, typed by
    /// `fstatat` without following links, at most `limit` of them (a tool can make a directory of
    /// millions of names; the caller says how many it will look at). Every name counts toward
    /// the limit, those that are not UTF-8 too: they are listed (`nameIsUTF8` false) for the
    /// caller to report, not skipped, since a skipped name cost a `fstatat` outside any bound.
    /// Read from a duplicate of the held descriptor, so the listing is of this directory
    /// whatever was renamed since.
    public func entries(limit: Int = Int.max) throws(ProjectFileError) -> [Entry] {
        let copy = openat(owned.raw, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0 else { throw .system(call: "openat(.)", path: name("."), errno: errno) }
        guard let dir = fdopendir(copy) else {
            let code = errno
            close(copy)
            throw .system(call: "fdopendir", path: name("."), errno: code)
        }
        defer { closedir(dir) }
        var out: [Entry] = []
        while out.count < limit, let entry = readdir(dir) {
            let bytes = POSIX.nameBytes(of: entry)
            if POSIX.isSelfOrParent(bytes) { continue }
            var info = stat()
            guard POSIX.withCString(bytes, { fstatat(owned.raw, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else { continue }
            if let name = String(validating: bytes, as: UTF8.self) {
                out.append(Entry(name: name, type: Self.type(info.st_mode)))
            } else {
                out.append(Entry(name: WorkspacePath.shown(bytes), type: Self.type(info.st_mode), nameIsUTF8: false))
            }
        }
        return out
    }

    private static func type(_ mode: mode_t) -> EntryType {
        switch mode & S_IFMT {
        case S_IFDIR: .directory
        case S_IFREG: .regular
        case S_IFLNK: .symlink
        default: .other
        }
    }

    /// The regular file `relative`, opened non-blocking (a FIFO cannot hold the reader), checked
    /// with `fstat` after the open (what was opened is what is judged), with its size.
    public func openRegularFile(_ relative: String) throws(ProjectFileError) -> (fd: OwnedFD, size: Int) {
        let fd = OwnedFD(try openBeneath(relative, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY))
        var info = stat()
        guard fstat(fd.raw, &info) == 0 else { throw .system(call: "fstat", path: name(relative), errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notRegularFile(path: name(relative)) }
        return (fd, Int(info.st_size))
    }

    /// The bytes of the regular file `relative`. The size comes from `fstat` and is checked
    /// against `limit` before anything is allocated; at most that many bytes are read, so a file
    /// growing under the reader (or a lying size) cannot make it read more.
    public func readRegularFile(_ relative: String, limit: Int) throws(ProjectFileError) -> [UInt8] {
        let (fd, size) = try openRegularFile(relative)
        guard size <= limit else { throw .tooLarge(path: name(relative), size: size, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd.raw, $0.baseAddress! + filled, size - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .system(call: "read", path: name(relative), errno: errno) }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes.prefix(filled))
    }

    /// Creates `relative` and its missing parents below this directory, one component at a time:
    /// `mkdirat` on the held descriptor of the parent, then `openat2` of the new component with
    /// no link allowed. `mkdirat` never follows a link at its last component and the parent is a
    /// held descriptor, so a tool swapping a component for a link between two steps makes this
    /// fail (`symlink`), never create anything elsewhere.
    @discardableResult
    public func makeDirectories(_ relative: String, mode: mode_t = 0o755) throws(ProjectFileError) -> ProjectDirectory {
        var current = try directory(".")
        for component in relative.split(separator: "/").map(String.init) where component != "." {
            guard component != ".." else { throw .escapes(path: name(relative)) }
            if mkdirat(current.descriptor, component, mode) != 0 && errno != EEXIST {
                throw .system(call: "mkdirat", path: current.name(component), errno: errno)
            }
            current = try current.directory(component)
        }
        return current
    }
}
