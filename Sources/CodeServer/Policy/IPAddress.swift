/// An IPv4 or IPv6 address as its bytes, so that `::1` and `0:0:0:0:0:0:0:1` compare equal and
/// CIDR checks are bit arithmetic rather than text.
///
/// Only the strict forms: four decimal octets without leading zeros, and RFC 4291 IPv6 text
/// (optionally ending in a dotted quad). `127.1`, `0x7f.0.0.1` or `017.0.0.1`, which some
/// resolvers read as addresses, are not addresses here: as targets they are names that no address
/// entry matches, and as allowlist entries they are refused.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is stored
    /// as the IPv4 address it maps, so an IPv4 rule covers both spellings of one destination.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    public init?(_ text: String) {
        if let v4 = Self.parseIPv4(Substring(text)) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
            bytes = v6.starts(with: mappedPrefix) ? Array(v6.dropFirst(12)) : v6
        } else {
            return nil
        }
    }

    /// Dotted quad, or RFC 5952 text: lowercase hex, the longest run of two or more zero groups
    /// (the first of equal runs) written `::`.
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best: Range<Int>?
        var start: Int?
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                start = start ?? index
            } else if let runStart = start {
                if index - runStart >= 2 && index - runStart > (best?.count ?? 0) { best = runStart..<index }
                start = nil
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard let best else { return hex.joined(separator: ":") }
        return hex[..<best.lowerBound].joined(separator: ":") + "::" + hex[best.upperBound...].joined(separator: ":")
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                part == "0" || !part.hasPrefix("0"), let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        guard let head = groups(halves[0], allowIPv4Tail: halves.count == 1) else { return nil }
        var tail: [UInt16] = []
        if halves.count == 2 {
            guard let groups = groups(halves[1], allowIPv4Tail: true) else { return nil }
            tail = groups
        }
        let written = head.count + tail.count
        if halves.count == 2 {
            guard written <= 7 else { return nil }
        } else {
            guard written == 8 else { return nil }
        }
        let all = head + [UInt16](repeating: 0, count: 8 - written) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// The 16-bit groups of one side of `::`; a final dotted quad counts as two groups.
    private static func groups(_ text: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowIPv4Tail, part.contains("."), let v4 = parseIPv4(part) {
                groups.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                groups.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard (1...4).contains(part.count), let group = UInt16(part, radix: 16) else { return nil }
            groups.append(group)
        }
        return groups
    }
}

/// An address block written as CIDR (`10.0.0.0/8`, `2001:db8::/32`).
public struct IPNetwork: Sendable, Hashable {
    public let address: IPAddress
    public let prefixLength: Int

    /// Nil when the prefix is longer than the address or `address` has bits set past the prefix:
    /// `10.0.0.1/8` is a typo for a host or for `10.0.0.0/8`, and guessing which is not ours to do.
    public init?(address: IPAddress, prefixLength: Int) {
        guard (0...(address.bytes.count * 8)).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
        guard Self.hostBitsAreZero(address, prefixLength) else { return nil }
    }

    public func contains(_ other: IPAddress) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(address.bytes, other.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard mine & mask == theirs & mask else { return false }
            remaining -= 8
        }
        return true
    }

    private static func hostBitsAreZero(_ address: IPAddress, _ prefixLength: Int) -> Bool {
        var remaining = prefixLength
        for byte in address.bytes {
            let mask: UInt8 = remaining >= 8 ? 0xFF : (remaining <= 0 ? 0 : ~(0xFF >> UInt8(remaining)))
            guard byte & ~mask == 0 else { return false }
            remaining -= 8
        }
        return true
    }
}
