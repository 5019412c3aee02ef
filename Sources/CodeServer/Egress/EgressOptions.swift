import Sandbox

extension RuntimeOptions {
    /// `network_host_overrides`: an object of lowercased DNS names to IPv4/IPv6 addresses.
    static func hostOverrides(_ value: JSONValue, _ key: String, _ reader: inout OptionReader) -> [String: IPAddress]? {
        guard let members = value.objectValue else {
            reader.fail(key, .wrongType(expected: .object, got: value))
            return nil
        }
        var overrides: [String: IPAddress] = [:]
        var valid = true
        for (name, target) in members.sorted(by: { $0.key < $1.key }) {
            let memberKey = "\(key).\(name)"
            guard case .name(let host)? = NetworkTarget(parsing: name).host, host == name.lowercased(),
                !name.contains(":")
            else {
                reader.fail(memberKey, .invalidNetworkEntry(.invalidHost))
                valid = false
                continue
            }
            guard let text = reader.string(target, memberKey) else {
                valid = false
                continue
            }
            guard let address = IPAddress(text) else {
                reader.fail(memberKey, .invalidNetworkEntry(.invalidAddress))
                valid = false
                continue
            }
            overrides[host] = address
        }
        return valid ? overrides : nil
    }
}
