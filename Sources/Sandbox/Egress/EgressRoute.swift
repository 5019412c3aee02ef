/// The way out of one sandbox run when the project's `network_egress_policy` is `allow`: the
/// coordinator's egress proxy on host loopback and the token that ties a connection to the call.
///
/// The sandbox keeps its empty network namespace; the only route out is the monitor handing the
/// tool a socket already connected to this proxy (`EgressInterceptor`). The token never leaves
/// the monitor: the tool cannot read it, and no other host process can use the proxy without it.
public struct EgressRoute: Sendable, Equatable {
    /// The proxy's port on host `127.0.0.1`.
    public var proxyPort: UInt16
    /// Per call, random; sent by the monitor as the first line of every connection.
    public var token: String

    /// Where proxy-aware tools are told the proxy is: a loopback address *inside* the sandbox.
    /// Nothing listens there; the monitor intercepts connects to it and hands in a connection to
    /// the real proxy, so no bridge process runs in the sandbox.
    public static let sandboxProxyAddress = "127.0.0.1"
    public static let sandboxProxyPort = 3128

    public init(proxyPort: UInt16, token: String) {
        self.proxyPort = proxyPort
        self.token = token
    }

    /// The proxy variables every run gets, whatever the request's environment says (they are
    /// applied last: `tool_env_allowlist` cannot point a tool elsewhere). `NO_PROXY` keeps the
    /// sandbox's own loopback local: a tool talking to a server it started itself must not be
    /// sent through the proxy.
    public static var environment: [(String, String)] {
        let url = "http://\(sandboxProxyAddress):\(sandboxProxyPort)"
        let local = "localhost,127.0.0.1,::1"
        return [
            ("HTTP_PROXY", url), ("HTTPS_PROXY", url), ("ALL_PROXY", url), ("http_proxy", url),
            ("https_proxy", url), ("all_proxy", url), ("NO_PROXY", local), ("no_proxy", local),
            ("npm_config_proxy", url), ("npm_config_https_proxy", url), ("PIP_PROXY", url),
            ("YARN_HTTP_PROXY", url), ("YARN_HTTPS_PROXY", url),
        ]
    }

    public var json: JSONValue {
        ["proxy_port": .int(Int64(proxyPort)), "token": .string(token)]
    }

    public init(json: JSONValue) throws(SandboxError) {
        guard let port = json["proxy_port"]?.intValue, (1...65535).contains(port),
            let token = json["token"]?.stringValue, EgressWire.isToken(token)
        else { throw .protocolViolation(reason: "egress needs 'proxy_port' (1-65535) and a 'token' of 16-128 hex digits") }
        self.init(proxyPort: UInt16(port), token: token)
    }
}
