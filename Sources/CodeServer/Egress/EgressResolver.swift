#if canImport(Glibc)
import Glibc
#endif

/// Names to addresses for the egress proxy: `network_host_overrides` first (an internal mirror
/// pinned like curl `--resolve`), then the host's resolver. The sandbox never resolves a name for
/// itself: a proxy-aware tool sends the name, and the proxy resolves it here.
struct EgressResolver: Sendable {
    var overrides: [String: IPAddress]

    func resolve(_ name: String) -> [IPAddress] {
        if let pinned = overrides[name] { return [pinned] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = Self.address(entry.pointee.ai_addr), !addresses.contains(address) {
                addresses.append(address)
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    private static func address(_ sockaddr: UnsafeMutablePointer<sockaddr>?) -> IPAddress? {
        guard let sockaddr else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(sockaddr.pointee.sa_family) {
        case AF_INET:
            var raw = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        case AF_INET6:
            var raw = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        default:
            return nil
        }
        return IPAddress(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
