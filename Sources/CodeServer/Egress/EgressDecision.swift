/// The egress policy's answer for one destination.
public enum EgressDecision: Sendable, Equatable {
    /// Dial one of `addresses`, in order (the resolved or literal destination).
    case allow(addresses: [IPAddress])
    /// `code` is `network_endpoint_denied` or `network_protocol_denied`; `detail` names the rule.
    case deny(code: ReasonCode, detail: String)

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }
}
