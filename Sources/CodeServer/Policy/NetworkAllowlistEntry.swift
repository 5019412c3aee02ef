/// An entry of `network_allowlist`.
///
/// Forms: an exact host (`api.example.com`, `10.0.0.1`, `::1`), every subdomain of a suffix
/// (`*.example.com`, which matches `a.example.com` and `a.b.example.com` but neither
/// `example.com` itself nor `evilexample.com`), either of those with a port (`api.example.com:443`,
/// `[::1]:8080`), or an address block (`10.0.0.0/8`, `fd00::/8`). Names are never resolved here, so
/// a name does not match an address block: the policy is pure, and the answer DNS gives now is not
/// the one the tool will get later.
public struct NetworkAllowlistEntry: Sendable, Hashable, CustomStringConvertible {
    public enum HostPattern: Sendable, Hashable {
        case name(String)
        /// Strict subdomains of the suffix.
        case subdomains(of: String)
        case address(IPAddress)
    }

    public enum Rule: Sendable, Hashable {
        /// `port` nil: any port.
        case host(HostPattern, port: Int?)
        case network(IPNetwork)
    }

    /// Why an entry was refused.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case invalidHost
        case invalidPort
        case invalidAddress
        case invalidPrefixLength
        /// Bits set after the prefix, as in `10.0.0.1/8`.
        case hostBitsSet
        /// `*` anywhere but as a whole first label followed by a suffix.
        case misplacedWildcard

        public var description: String {
            switch self {
            case .empty: "must not be empty"
            case .invalidHost: "is not a host name, IPv4 or IPv6 address"
            case .invalidPort: "has a port that is not a number from 0 to 65535"
            case .invalidAddress: "is not an IPv4 or IPv6 address before the '/'"
            case .invalidPrefixLength: "has a prefix length that is not 0-32 (IPv4) or 0-128 (IPv6)"
            case .hostBitsSet: "has address bits set after the prefix length"
            case .misplacedWildcard: "may only use '*' as '*.suffix'"
            }
        }
    }

    /// The entry as written, which is how options print it back.
    public let text: String
    public let rule: Rule

    public init(parsing text: String) throws(ParseError) {
        self.text = text
        rule = try Self.rule(text)
    }

    public var description: String { text }

    public func matches(_ target: NetworkTarget) -> Bool {
        switch (rule, target.host) {
        case (.network(let network), .address(let address)?):
            return network.contains(address)
        case (.host(let pattern, let port), let host?):
            guard port == nil || port == target.effectivePort else { return false }
            switch (pattern, host) {
            case (.name(let expected), .name(let name)): return name == expected
            case (.subdomains(let suffix), .name(let name)): return name.hasSuffix("." + suffix)
            case (.address(let expected), .address(let address)): return address == expected
            default: return false
            }
        default:
            return false
        }
    }

    private static func rule(_ text: String) throws(ParseError) -> Rule {
        guard !text.isEmpty else { throw .empty }
        if let slash = text.firstIndex(of: "/") {
            guard let address = IPAddress(String(text[..<slash])) else { throw .invalidAddress }
            let prefixText = text[text.index(after: slash)...]
            guard !prefixText.isEmpty, prefixText.count <= 3, prefixText.allSatisfy(\.isASCII),
                let prefixLength = Int(prefixText), prefixLength <= address.bytes.count * 8
            else { throw .invalidPrefixLength }
            guard let network = IPNetwork(address: address, prefixLength: prefixLength) else { throw .hostBitsSet }
            return .network(network)
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidHost }
            let literal = text[text.index(after: text.startIndex)..<close]
            guard literal.contains(":"), let address = IPAddress(String(literal)) else { throw .invalidHost }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .host(.address(address), port: nil) }
            guard rest.hasPrefix(":"), let port = NetworkTarget.parsePort(rest.dropFirst()) else { throw .invalidPort }
            return .host(.address(address), port: port)
        }
        if text.count(where: { $0 == ":" }) > 1 {
            guard let address = IPAddress(text) else { throw .invalidHost }
            return .host(.address(address), port: nil)
        }
        var hostText = Substring(text)
        var port: Int?
        if let colon = text.firstIndex(of: ":") {
            hostText = text[..<colon]
            guard let parsed = NetworkTarget.parsePort(text[text.index(after: colon)...]) else { throw .invalidPort }
            port = parsed
        }
        return .host(try hostPattern(hostText), port: port)
    }

    private static func hostPattern(_ text: Substring) throws(ParseError) -> HostPattern {
        if let address = IPAddress(String(text)) { return .address(address) }
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        var isWildcard = false
        if name.hasPrefix("*.") {
            isWildcard = true
            name.removeFirst(2)
        }
        guard !name.contains("*") else { throw .misplacedWildcard }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, labels.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(NetworkTarget.isNameByte) }) else {
            throw .invalidHost
        }
        return isWildcard ? .subdomains(of: name) : .name(name)
    }
}
