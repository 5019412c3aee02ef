import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// The daemon's one client for requests it makes itself (alert webhooks today, a model endpoint
/// of the agent loop next): HTTPS through AsyncHTTPClient, certificates verified against the
/// system's roots plus, when the operator names one, a CA file of theirs. Verification is never
/// turned off: a private endpoint is reached by trusting its CA, not by trusting everyone.
///
/// Plain `http://` is refused except to a loopback host (a local relay), since an alert or a
/// prompt crossing a network in clear can be read and forged on the way. Redirects are not
/// followed: an endpoint that moved is a configuration to fix, not a hop to take with the body.
///
/// One instance is shared by its users and shut down with the daemon; it holds its connection
/// pool on the daemon's NIO event loops (the process's singleton group), never a thread per request.
public final class OutboundHTTPClient: Sendable {
    /// A request the endpoint answered: any status, the body up to `maximumResponseBytes`.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// Why a request got no answer, said the way an operator can act on it.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The URL is not one this client may use (`reason` says why).
        case refusedURL(url: String, reason: String)
        /// The TLS handshake failed: most often the certificate does not verify against the
        /// trusted roots (`ca_file`), or names another host.
        case tls(String)
        /// Connecting, sending or reading failed (refused, unresolvable, reset).
        case transport(String)
        /// No answer within the request's time bound.
        case timedOut

        public var description: String {
            switch self {
            case .refusedURL(let url, let reason): "refused url '\(url)': \(reason)"
            case .tls(let detail): "TLS handshake failed (is the endpoint's CA in ca_file?): \(detail)"
            case .transport(let detail): "transport error: \(detail)"
            case .timedOut: "timed out"
            }
        }
    }

    /// A CA file that cannot be used, for the config reader to report under its field.
    public struct CAFileError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Bodies of answers are read up to this; an endpoint has no business sending more to us.
    public static let maximumResponseBytes = 1 << 20

    let client: HTTPClient

    /// - Parameter extraTrust: certificates trusted besides the system's roots (`loadCAFile`).
    public init(extraTrust: [NIOSSLCertificate] = [], connectTimeoutMs: Int64 = 5_000) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if !extraTrust.isEmpty { tls.additionalTrustRoots = [.certificates(extraTrust)] }
        let configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .milliseconds(connectTimeoutMs)))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The certificates of a PEM file (one or more `BEGIN CERTIFICATE` blocks).
    public static func loadCAFile(_ path: String) throws(CAFileError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw CAFileError(description: "cannot read '\(path)' as PEM certificates: \(error)")
        }
        guard !certificates.isEmpty else { throw CAFileError(description: "'\(path)' holds no PEM certificate") }
        return certificates
    }

    /// Whether `url` may be used: `https://HOST…`, or `http://` to a loopback host. nil when it
    /// may, else the reason.
    public static func refusal(of url: String) -> String? {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") {
            return host(of: url).isEmpty ? "it has no host" : nil
        }
        guard lower.hasPrefix("http://") else { return "only https:// (or http:// to a loopback host) is supported" }
        let host = host(of: url)
        guard !host.isEmpty else { return "it has no host" }
        let loopback = host == "localhost" || host == "[::1]" || host.hasPrefix("127.")
        return loopback ? nil : "plain http:// is allowed to a loopback host only; use https://"
    }

    /// The authority's host part (brackets kept for IPv6).
    private static func host(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "" }
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        if hostPort.hasPrefix("[") { return String(hostPort.prefix { $0 != "]" }) + "]" }
        return String(hostPort.prefix { $0 != ":" }).lowercased()
    }

    /// Starts `POST url` with `body`; the future answers with the response or a `Failure`.
    public func post(
        _ url: String, body: [UInt8], contentType: String = "application/json", headers: [(String, String)] = [],
        timeoutMs: Int64
    ) -> EventLoopFuture<Response> {
        let loop = client.eventLoopGroup.next()
        if let reason = Self.refusal(of: url) {
            return loop.makeFailedFuture(Failure.refusedURL(url: url, reason: reason))
        }
        let request: HTTPClient.Request
        do {
            var fields = HTTPHeaders([("Content-Type", contentType), ("User-Agent", "jcs")])
            for (name, value) in headers { fields.add(name: name, value: value) }
            request = try HTTPClient.Request(url: url, method: .POST, headers: fields, body: .bytes(body))
        } catch {
            return loop.makeFailedFuture(Failure.refusedURL(url: url, reason: "\(error)"))
        }
        return client.execute(request: request, deadline: .now() + .milliseconds(timeoutMs))
            .flatMapErrorThrowing { (error: any Error) throws -> HTTPClient.Response in throw Self.failure(error) }
            .map { (response: HTTPClient.Response) -> Response in
                var bytes = response.body.map { Array($0.readableBytesView) } ?? []
                if bytes.count > Self.maximumResponseBytes { bytes.removeLast(bytes.count - Self.maximumResponseBytes) }
                return Response(status: Int(response.status.code), body: bytes)
            }
    }

    /// `post` for code on a thread of its own (an alert dispatcher's): blocks until it is done.
    @available(*, noasync, message: "blocks the calling thread; use post(…).get() in async code")
    public func postBlocking(
        _ url: String, body: [UInt8], contentType: String = "application/json", headers: [(String, String)] = [],
        timeoutMs: Int64
    ) throws(Failure) -> Response {
        do {
            return try post(url, body: body, contentType: contentType, headers: headers, timeoutMs: timeoutMs).wait()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Self.failure(error)
        }
    }

    /// Ends the connection pool; requests still running fail.
    public func shutdown() async {
        try? await client.shutdown()
    }

    private static func failure(_ error: any Error) -> Failure {
        if let failure = error as? Failure { return failure }
        if let client = error as? HTTPClientError {
            if client == .deadlineExceeded || client == .readTimeout || client == .connectTimeout { return .timedOut }
            return .transport("\(client)")
        }
        if error is NIOSSLError || error is BoringSSLError { return .tls("\(error)") }
        return .transport("\(error)")
    }
}
