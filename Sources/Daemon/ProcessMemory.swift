import Sandbox

/// The coordinator's own memory as the kernel counts it (`/proc/self/status`): resident in all,
/// and split into anonymous (heap, stacks: what the daemon's structures hold) and file-backed
/// (the mapped executable and libraries, shared with every other process mapping them).
struct ProcessMemory: Sendable, Equatable {
    var residentBytes: Int
    var anonymousBytes: Int
    var fileBytes: Int

    /// nil when `/proc` is not mounted or says nothing usable.
    static func current() -> ProcessMemory? {
        guard let bytes = try? POSIX.readBytes("/proc/self/status", limit: 64 << 10) else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// `VmRSS`, `RssAnon` and `RssFile` of a `/proc/PID/status` text, in bytes.
    static func parse(_ status: String) -> ProcessMemory? {
        var kib: [Substring: Int] = [:]
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 3, fields[2] == "kB", let value = Int(fields[1]) else { continue }
            kib[fields[0]] = value
        }
        guard let rss = kib["VmRSS:"], let anon = kib["RssAnon:"], let file = kib["RssFile:"] else { return nil }
        return ProcessMemory(residentBytes: rss << 10, anonymousBytes: anon << 10, fileBytes: file << 10)
    }

    var json: JSONValue {
        [
            "resident_bytes": .int(Int64(residentBytes)), "anonymous_bytes": .int(Int64(anonymousBytes)),
            "file_bytes": .int(Int64(fileBytes)),
        ]
    }
}
