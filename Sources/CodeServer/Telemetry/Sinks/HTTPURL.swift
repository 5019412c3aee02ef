/// An `http://host[:port][/path]` URL, the only kind the webhook client speaks (no TLS here: a
/// TLS endpoint is reached through a local relay or the egress proxy).
public struct HTTPURL: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    /// Starts with `/`; includes the query if there was one.
    public var path: String

    public enum ParseError: Error, Equatable {
        case notHTTP(String)
        case missingHost(String)
        case badPort(String)
    }

    public init(parsing text: String) throws(ParseError) {
        let scheme = "http://"
        guard text.lowercased().hasPrefix(scheme) else { throw .notHTTP(text) }
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let remainder = rest.dropFirst(authority.count)
        path = remainder.isEmpty ? "/" : (remainder.first == "?" ? "/" + remainder : String(remainder))
        var hostPart = Substring(authority)
        port = 80
        if hostPart.first == "[" {
            guard let close = hostPart.firstIndex(of: "]") else { throw .missingHost(text) }
            let after = hostPart[hostPart.index(after: close)...]
            if after.first == ":" {
                guard let p = UInt16(after.dropFirst()), p > 0 else { throw .badPort(text) }
                port = p
            } else if !after.isEmpty {
                throw .badPort(text)
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            guard let p = UInt16(hostPart[hostPart.index(after: colon)...]), p > 0 else { throw .badPort(text) }
            port = p
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw .missingHost(text) }
        host = String(hostPart)
    }

    /// The `Host` header's value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }
}
