import CodeServer
import Sandbox

/// POSTs each alert's JSON to a webhook (Slack, PagerDuty, Opsgenie, an internal relay) through
/// the daemon's `OutboundHTTPClient`: HTTPS with verified certificates. Any 2xx is delivered;
/// 5xx, 408, 429, a refused or timed-out connection are retried by the dispatcher (bounded queue,
/// backoff); other statuses and a certificate that does not verify are final.
struct WebhookAlertSink: AlertSink {
    let name = "webhook"
    let url: String
    let client: OutboundHTTPClient
    /// Bounds one attempt: connect, TLS, send and the answer together.
    let timeoutMs: Int64
    /// Extra request headers (the receiver's auth token); never logged.
    let headers: [(String, String)]

    func deliver(_ alert: Alert) throws(AlertDeliveryError) {
        let response: OutboundHTTPClient.Response
        do {
            response = try client.postBlocking(url, body: JSONWriter.bytes(alert.json), headers: headers, timeoutMs: timeoutMs)
        } catch {
            switch error {
            case .timedOut: throw .timedOut(phase: "request")
            case .tls(let detail): throw .tls(detail)
            case .transport(let detail): throw .transport(detail)
            case .refusedURL(_, let reason): throw .refused(reason)
            }
        }
        guard (200..<300).contains(response.status) else { throw .httpStatus(response.status) }
    }
}
