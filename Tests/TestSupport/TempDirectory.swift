#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp, removed (recursively) when the value goes away.
public final class TempDirectory: @unchecked Sendable {
    public let path: String

    public init(prefix: String = "jcs-test") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: \(errno)")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func write(_ name: String, _ text: String, mode: mode_t = 0o644) {
        let fd = open(file(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(fd >= 0, "open \(name): \(errno)")
        _ = text.utf8CString.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        chmod(file(name), mode)
    }

    public func read(_ name: String) -> String? { readTextFile(file(name)) }

    deinit {
        system2(["/bin/rm", "-rf", path])
    }
}

/// A whole file as text, or nil if it cannot be opened.
public func readTextFile(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}

/// The names in the directory at `path` (without `.` and `..`); a directory that cannot be
/// opened lists as one name saying so, so an "is empty" check fails on it.
public func directoryEntries(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return ["<cannot open \(path)>"] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
