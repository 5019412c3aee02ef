import Sandbox

/// POSTs each alert's JSON to an `http://` URL. Any 2xx is delivered; 5xx, 408, 429, refused or
/// timed-out connections are retried by the dispatcher; other statuses are final.
public struct WebhookAlertSink: AlertSink {
    public let name = "webhook"
    public let url: HTTPURL
    /// Bounds one attempt: connect, send and the status line together.
    public let timeoutMs: Int64
    /// Extra request headers (an auth token the receiver expects); never logged.
    public let headers: [(String, String)]

    public init(url: String, timeoutMs: Int64 = 5_000, headers: [(String, String)] = []) throws(HTTPURL.ParseError) {
        self.url = try HTTPURL(parsing: url)
        self.timeoutMs = timeoutMs
        self.headers = headers
    }

    public func deliver(_ alert: Alert) throws(AlertDeliveryError) {
        let status = try HTTPClient.post(
            url, body: JSONWriter.bytes(alert.json), contentType: "application/json", headers: headers,
            timeoutMs: timeoutMs)
        guard (200..<300).contains(status) else { throw .httpStatus(status) }
    }
}
