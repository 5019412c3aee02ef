/// The head of an HTTP/1.1 message (request or status line, then headers), as the egress proxy
/// and the monitor read it: bounded, byte-exact, lowercased header names.
public struct HTTPHead: Sendable, Equatable {
    /// The three parts of the first line: method, target, version (request) or version, code,
    /// reason (response).
    public var start: [String]
    /// Names lowercased, in order; values trimmed.
    public var headers: [(name: String, value: String)]

    public static func == (lhs: HTTPHead, rhs: HTTPHead) -> Bool {
        lhs.start == rhs.start && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// The length of the head in `bytes` (through the blank line), or nil when it is not
    /// complete yet.
    public static func length(in bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            if bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index + 4 - bytes.startIndex
            }
            index += 1
        }
        return nil
    }

    /// Parses a complete head; nil when it is not HTTP (a first line of other than 3 parts, a
    /// header line without a colon, control bytes).
    public init?(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.contains(0) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { return nil }
        let first = lines.removeFirst()
        let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 3 || (parts.count == 2 && parts[0].hasPrefix("HTTP/")) else { return nil }
        start = parts
        headers = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            headers.append((name, value))
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
