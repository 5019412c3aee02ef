#if canImport(Glibc)
import Glibc
#endif

/// What the monitor and the egress proxy say to each other on a connection: one shared
/// definition, so the two ends cannot drift.
///
/// Every connection the monitor opens starts with `JCS-EGRESS <token>\r\n`. For the transparent
/// path the monitor then sends `CONNECT host:port HTTP/1.1` with `X-JCS-Transparent: 1` and
/// waits for the answer before handing the socket to the tool; for the proxy-aware path the
/// tool's own bytes follow the preamble. A refusal is `403` with `X-JCS-Reason` (a reason code)
/// and `X-JCS-Protocol`.
///
/// A DNS session (`EgressDNSRelay` to the proxy's stub) is the preamble, then the head
/// `DNS * HTTP/1.1`, then DNS messages framed as over TCP (RFC 1035 §4.2.2: a two-byte length,
/// then the message) both ways: one reply frame per query frame, an empty frame for a query the
/// stub drops.
public enum EgressWire {
    public static let preambleMagic = "JCS-EGRESS"
    public static let transparentHeader = "x-jcs-transparent"
    public static let reasonHeader = "x-jcs-reason"
    public static let protocolHeader = "x-jcs-protocol"
    /// With reason `network_limit_exceeded`: which limit (`network_connections`, …).
    public static let limitHeader = "x-jcs-limit"
    /// A request or response head larger than this is refused: nothing legitimate needs more.
    public static let maxHeadBytes = 16384

    public static let dnsMethod = "DNS"

    public static var dnsSession: [UInt8] { Array("\(dnsMethod) * HTTP/1.1\r\n\r\n".utf8) }

    /// `message` behind its two-byte length (at most 65535 bytes: longer is cut, never sent).
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        let body = message.prefix(65535)
        return [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    public static func preamble(token: String) -> [UInt8] {
        Array("\(preambleMagic) \(token)\r\n".utf8)
    }

    public static func transparentConnect(host: String, port: Int) -> [UInt8] {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return Array("CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n\(transparentHeader): 1\r\n\r\n".utf8)
    }

    /// 16 to 128 lowercase hex digits: nothing that could break the preamble line.
    public static func isToken(_ text: String) -> Bool {
        (16...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A fresh token from the kernel's random source.
    public static func newToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        let filled = fd >= 0 ? bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) } : -1
        if fd >= 0 { close(fd) }
        precondition(filled == 16, "/dev/urandom gave no bytes: the egress proxy cannot authenticate calls")
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
