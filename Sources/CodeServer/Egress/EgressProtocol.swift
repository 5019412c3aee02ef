/// What a connection carries, as `network_allowed_schemes` names it.
///
/// Classified from how the connection arrived, never from its bytes (no TLS interception): a
/// plain proxy request is `http`; a tunnel (`CONNECT`, or a transparent TCP connect) to port 443
/// is `https`, to port 80 `http`, to anything else `tcp` (`git@host:22`, a database); datagrams
/// are `udp`, or `dns` to port 53. The proxy carries TCP only, so datagrams to outside addresses
/// are always refused by the monitor; `dns` is also the protocol of a name lookup the sandbox's
/// own name server refused (`EgressDNSStub`), which `network_allowed_schemes` does not gate.
public enum EgressProtocol: String, Sendable, CaseIterable {
    case http
    case https
    case tcp
    case udp
    case dns

    /// A tunnelled TCP connection's protocol, by its port.
    static func tunnel(port: Int) -> EgressProtocol {
        switch port {
        case 443: .https
        case 80: .http
        default: .tcp
        }
    }
}
