/// Address blocks that are never reached through a *name* unless an entry names them: loopback,
/// private, link-local (cloud metadata at 169.254.169.254), shared, multicast, reserved. A public
/// name that resolves into them is DNS rebinding until proven otherwise.
enum SpecialAddresses {
    static let blocks: [IPNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "64:ff9b::/96", "fc00::/7", "fe80::/10", "ff00::/8",
    ].map { text in
        let parts = text.split(separator: "/")
        return IPNetwork(address: IPAddress(String(parts[0]))!, prefixLength: Int(parts[1])!)!
    }

    /// The block `address` is in, if any.
    static func block(of address: IPAddress) -> IPNetwork? {
        blocks.first { $0.contains(address) }
    }
}
