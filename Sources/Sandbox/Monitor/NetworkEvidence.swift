#if canImport(Glibc)
import Glibc
#endif

/// A socket address read out of the tool's memory, and what it means for a sandbox with its own,
/// empty network namespace.
struct SocketAddress: Equatable {
    var family: Int32
    var address: String?
    var port: Int?

    var familyName: String { SocketAddress.familyName(family) }

    /// Destinations inside the sandbox's own namespace: its loopback, its own unix sockets, and
    /// AF_UNSPEC (which disconnects). Reaching them is harmless: nothing but the sandbox is there.
    var isLocalToSandbox: Bool {
        switch family {
        case AF_UNIX, AF_UNSPEC: return true
        case AF_INET: return address.map { $0.hasPrefix("127.") || $0 == "0.0.0.0" } ?? false
        case AF_INET6:
            guard let address else { return false }
            return address == "::1" || address == "::" || address.hasPrefix("::ffff:127.")
        default: return false
        }
    }

    /// Decodes the raw sockaddr bytes; nil when too short to say anything.
    init?(bytes: [UInt8]) {
        guard bytes.count >= 2 else { return nil }
        family = Int32(UInt16(bytes[0]) | UInt16(bytes[1]) << 8)
        func port() -> Int { Int(UInt16(bytes[2]) << 8 | UInt16(bytes[3])) }
        switch family {
        case AF_INET where bytes.count >= 8:
            self.port = port()
            address = bytes[4..<8].map(String.init).joined(separator: ".")
        case AF_INET6 where bytes.count >= 24:
            self.port = port()
            address = SocketAddress.formatIPv6(Array(bytes[8..<24]))
        case AF_UNIX:
            let path = bytes.dropFirst(2)
            if path.first == 0 {
                address = "@" + String(decoding: path.dropFirst().prefix { $0 != 0 }, as: UTF8.self)
            } else {
                address = String(decoding: path.prefix { $0 != 0 }, as: UTF8.self)
            }
        default:
            address = nil
        }
    }

    static func formatIPv6(_ b: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: b) }
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func familyName(_ family: Int32) -> String {
        let names: [Int32: String] = [
            0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 3: "AF_AX25", 4: "AF_IPX", 5: "AF_APPLETALK",
            9: "AF_X25", 10: "AF_INET6", 15: "AF_KEY", 16: "AF_NETLINK", 17: "AF_PACKET", 29: "AF_CAN",
            31: "AF_BLUETOOTH", 38: "AF_ALG", 40: "AF_VSOCK", 44: "AF_XDP",
        ]
        return names[family] ?? "AF_\(family)"
    }
}
