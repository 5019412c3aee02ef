#if canImport(Glibc)
import Glibc
#endif

/// Finding and reading asset files, with the rules that keep the loader inside `.jido/`:
/// symbolic links are never followed (a link to `/etc/shadow` must not become an asset anyone
/// can `asset.get`), files are read with a size cap, and only `*.md` files count; hidden files
/// (editors' `.x.md.swp`, `.#x.md`) and backups (`x.md~`) are skipped, so a save in progress is
/// never loaded half-written.
enum AssetFiles {
    /// The largest asset file read: assets are prose and front matter, and the whole snapshot is
    /// held in memory.
    static let maximumFileBytes = 1 << 20
    /// How deep below a kind's directory files are found.
    static let maximumDepth = 8

    /// What a directory entry turned out to be.
    enum Entry {
        case file(relative: String)
        case symlink(relative: String)
    }

    /// `*.md` entries under `directory` (absolute), sorted, as paths relative to `directory`.
    /// `skip` holds absolute directories not to enter (the data directory). A missing directory
    /// has no entries.
    static func list(_ directory: String, skip: Set<String>) -> [Entry] {
        var out: [Entry] = []
        walk(directory, relative: "", depth: 0, skip: skip, into: &out)
        return out.sorted { name($0) < name($1) }
    }

    private static func name(_ entry: Entry) -> String {
        switch entry {
        case .file(let relative), .symlink(let relative): relative
        }
    }

    private static func walk(_ absolute: String, relative: String, depth: Int, skip: Set<String>, into out: inout [Entry]) {
        guard depth <= maximumDepth, !skip.contains(absolute), let dir = opendir(absolute) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !name.hasPrefix(".") else { continue }
            let childAbsolute = absolute + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(childAbsolute, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(childAbsolute, relative: childRelative, depth: depth + 1, skip: skip, into: &out)
            case S_IFREG where name.hasSuffix(".md"):
                out.append(.file(relative: childRelative))
            case S_IFLNK where name.hasSuffix(".md"):
                out.append(.symlink(relative: childRelative))
            default:
                continue
            }
        }
    }

    /// The bytes of a regular file, refusing to follow a link at the last component.
    static func read(_ path: String) throws(AssetParseError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw AssetParseError(.unreadable, line: nil, String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw AssetParseError(.unreadable, line: nil, String(cString: strerror(errno))) }
            if n == 0 { return bytes }
            bytes += buffer[0..<n]
            guard bytes.count <= maximumFileBytes else {
                throw AssetParseError(.tooLarge, line: nil, "larger than \(maximumFileBytes) bytes")
            }
        }
    }
}
