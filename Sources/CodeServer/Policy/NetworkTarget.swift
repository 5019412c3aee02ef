/// One place a call may try to reach: the scheme, host and port read from a URL (`https://h:8443/x`)
/// or from a bare authority (`h:8443`, `[::1]:80`, `10.0.0.1`).
///
/// Parsing follows what clients do with the authority, not what it looks like: userinfo is
/// dropped up to the last `@` (`http://example.com@evil.com/` goes to evil.com), `\` ends the
/// authority as it does in browsers, names are lowercased and lose one trailing dot. Anything
/// that does not parse keeps its text as an `unparseable` host, which no allowlist entry matches.
public struct NetworkTarget: Sendable, Hashable {
    public enum Host: Sendable, Hashable {
        /// A lowercased DNS name.
        case name(String)
        case address(IPAddress)
        case unparseable(String)
    }

    /// The text it was read from, for evidence.
    public var text: String
    /// Lowercased; nil for a bare authority.
    public var scheme: String?
    /// Nil for a URL with an empty authority, such as `file:///etc/passwd`: no endpoint to reach,
    /// though its scheme is still checked.
    public var host: Host?
    /// The port as written, or given by a sibling `port` argument.
    public var port: Int?

    /// The port written, else the scheme's well-known port; nil when neither says.
    public var effectivePort: Int? {
        port ?? scheme.flatMap { Self.defaultPorts[$0] }
    }

    static let defaultPorts: [String: Int] = ["http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21]

    /// `text` as a URL when it contains `://`, else as an authority. `port` is used when the text
    /// has none, for `{"host": "db", "port": 5432}`.
    public init(parsing text: String, port: Int? = nil) {
        self.text = text
        var rest = Substring(text)
        if let separator = text.firstRange(of: "://") {
            scheme = String(text[..<separator.lowerBound]).lowercased()
            rest = text[separator.upperBound...]
        }
        let authority = rest.prefix { !Self.endsAuthority($0) }
        (host, self.port) = Self.hostAndPort(authority)
        if self.port == nil, host != nil { self.port = port }
    }

    /// Characters that end an authority: the start of a path, query or fragment, a backslash,
    /// whitespace, and the quotes and brackets that surround URLs in prose.
    static func endsAuthority(_ character: Character) -> Bool {
        "/?#\\\"'<>`(){}|^,".contains(character) || character.isWhitespace
    }

    private static func hostAndPort(_ authority: Substring) -> (Host?, Int?) {
        let hostPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        if hostPort.isEmpty { return (nil, nil) }
        let unparseable = (Host.unparseable(String(authority)), Int?.none)
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return unparseable }
            let literal = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let withoutZone = literal.prefix { $0 != "%" }
            // Brackets hold IPv6 text only; `[10.0.0.1]` is not an address to any client.
            guard withoutZone.contains(":"), let address = IPAddress(String(withoutZone)) else { return unparseable }
            let afterBracket = hostPort[hostPort.index(after: close)...]
            if afterBracket.isEmpty { return (.address(address), nil) }
            guard afterBracket.hasPrefix(":"), let port = parsePort(afterBracket.dropFirst()) else {
                return unparseable
            }
            return (.address(address), port)
        }
        let colons = hostPort.count { $0 == ":" }
        if colons > 1 {
            // A bare IPv6 address, as a `host` argument may hold; it cannot carry a port.
            guard let address = IPAddress(String(hostPort)) else { return unparseable }
            return (.address(address), nil)
        }
        var hostText = hostPort
        var port: Int?
        if let colon = hostPort.firstIndex(of: ":") {
            hostText = hostPort[..<colon]
            let portText = hostPort[hostPort.index(after: colon)...]
            if !portText.isEmpty {
                guard let parsed = parsePort(portText) else { return unparseable }
                port = parsed
            }
        }
        guard let host = host(hostText) else { return unparseable }
        return (host, port)
    }

    private static func host(_ text: Substring) -> Host? {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if let address = IPAddress(name) { return .address(address) }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty,
            labels.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Self.isNameByte) })
        else { return nil }
        return .name(name)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_")
    }

    static func parsePort(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = Int(text), port <= 65535
        else { return nil }
        return port
    }
}
