#if canImport(Glibc)
import Glibc
#endif
import CSandbox

/// The few file and pipe operations the monitor needs, with errors as `SandboxError`s naming the
/// call and the path. `readBytes` is public: the daemon's config and the CLI's option files are
/// read the same way.
public enum POSIX {
    /// A pipe whose ends are both close-on-exec.
    static func pipe() throws(SandboxError) -> (read: OwnedFD, write: OwnedFD) {
        var fds: [Int32] = [-1, -1]
        guard csb_pipe_cloexec(&fds) == 0 else { throw .lastError("pipe2") }
        return (OwnedFD(fds[0]), OwnedFD(fds[1]))
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(SandboxError) -> OwnedFD {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .lastError("open(\(path))") }
        return OwnedFD(fd)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    static func writeFile(_ path: String, _ text: String) throws(SandboxError) {
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .lastError("open(\(path))") }
        defer { _ = Glibc.close(fd) }
        guard writeAll(fd, Array(text.utf8)) else { throw .lastError("write(\(path))") }
    }

    /// Reads a small file (procfs, cgroupfs) whole; nil if it cannot be opened.
    static func readFile(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while out.count < limit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads a whole file as bytes, or throws with the reason; past `limit` bytes it stops and
    /// throws, so a wrong path (a device, a huge log) is never read whole.
    public static func readBytes(_ path: String, limit: Int) throws(SandboxError) -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .lastError("open(\(path))") }
        defer { _ = Glibc.close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw .lastError("read(\(path))") }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
            if out.count > limit { throw .invalidRequest(field: path, reason: "larger than \(limit) bytes") }
        }
        return out
    }

    static func realpath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The names in `directory` (without `.` and `..`), or nil when it cannot be opened.
    static func entries(of directory: String) -> [String]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = POSIX.name(of: entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension POSIX {
    /// The name of a `readdir` entry, as bytes: a Linux name need not be UTF-8.
    public static func nameBytes(of entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
    }

    /// Whether a `readdir` name is `.` or `..`, which every listing skips.
    public static func isSelfOrParent(_ name: [UInt8]) -> Bool {
        name == [0x2E] || name == [0x2E, 0x2E]
    }

    /// The name of a `readdir` entry, decoded: only for directories this process made, whose
    /// names it chose. A walk over a tree that tools write uses `nameBytes`.
    static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        String(decoding: nameBytes(of: entry), as: UTF8.self)
    }

    /// `body` with `bytes` (a name or path without NUL) as a C string.
    public static func withCString<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
