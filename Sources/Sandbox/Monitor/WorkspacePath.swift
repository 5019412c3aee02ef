/// A path below the workspace as the file system spells it: bytes, `/`-separated, no empty,
/// `.` or `..` component.
///
/// Not a `String`: a Linux name is any bytes but `/` and NUL, and one decoded as UTF-8 with
/// replacement characters names nothing on disk. The prepare walk once worked on decoded names,
/// so a directory whose name was not UTF-8 was neither entered nor protected: a secret or a
/// setuid file the host kept below it stayed readable and writable in every sandbox.
public struct WorkspacePath: Hashable, Sendable, CustomStringConvertible {
    /// Never empty; no NUL.
    private(set) var bytes: [UInt8]

    init(bytes: [UInt8]) {
        precondition(!bytes.isEmpty && !bytes.contains(0), "a workspace path is a non-empty name without NUL")
        self.bytes = bytes
    }

    /// `name` (one component, as `readdir` gave it) below this path.
    func appending(_ name: [UInt8]) -> WorkspacePath {
        WorkspacePath(bytes: bytes + [UInt8(ascii: "/")] + name)
    }

    /// The path decoded as the denylist's globs match it: an invalid byte becomes U+FFFD, which
    /// a `*` covers, so `*.pem` still masks a `\xff.pem` (the walk decodes each name the same way).
    var matchText: String { String(decoding: bytes, as: UTF8.self) }

    /// For reports and messages: valid UTF-8 as it is (a UTF-8 name reads as it always did),
    /// every other byte as `\xNN`.
    public var description: String { Self.shown(bytes) }

    /// `bytes` as text, each byte that is not part of valid UTF-8 spelled `\xNN`.
    public static func shown(_ bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            // A fresh decoder each step: one reads ahead, and an invalid byte is escaped alone.
            var decoder = UTF8()
            var rest = bytes[index...].makeIterator()
            if case .scalarValue(let scalar) = decoder.decode(&rest) {
                out.unicodeScalars.append(scalar)
                index += UTF8.width(scalar)
            } else {
                let hex = String(bytes[index], radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                index += 1
            }
        }
        return out
    }
}
