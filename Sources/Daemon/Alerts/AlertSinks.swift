import CodeServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The configured alert sinks, built once at start-up: one `AlertDispatcher` (thread, bounded
/// queue, retries) per sink, handed to the telemetry hub, and the outbound clients the webhooks
/// use. `shutdown` gives queued alerts a moment to go out, then stops everything.
final class AlertSinks: Sendable {
    let dispatchers: [AlertDispatcher]
    private let clients: [OutboundHTTPClient]
    /// Log files the log sinks opened (the daemon's stderr is not ours to close).
    private let files: [Int32]

    /// Opens log files and starts the dispatcher threads. A log file that cannot be opened is a
    /// start-up error, named by its path.
    init(_ configuration: AlertSinksConfiguration, logger: Logger) throws(DaemonError) {
        var dispatchers: [AlertDispatcher] = []
        var clients: [OutboundHTTPClient] = []
        var files: [Int32] = []
        for sink in configuration.sinks {
            let built: any AlertSink
            switch sink {
            case .log(let path):
                var fd: Int32 = 2
                if let path {
                    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
                    guard fd >= 0 else {
                        for file in files { close(file) }
                        throw .cannotOpen(path: path, what: "the alert log", errno: errno)
                    }
                    files.append(fd)
                }
                built = LogAlertSink(fd: fd)
            case .command(let argv, let timeoutMs):
                built = CommandAlertSink(argv: argv, timeoutMs: timeoutMs)
            case .webhook(let url, let headers, _, let certificates, let timeoutMs):
                let client = OutboundHTTPClient(extraTrust: certificates, connectTimeoutMs: min(timeoutMs, 5_000))
                clients.append(client)
                built = WebhookAlertSink(url: url, client: client, timeoutMs: timeoutMs, headers: headers)
            }
            dispatchers.append(AlertDispatcher(sink: LoggedAlertSink(sink: built, logger: logger), capacity: configuration.queueCapacity, retry: configuration.retry))
        }
        self.dispatchers = dispatchers
        self.clients = clients
        self.files = files
    }

    /// What each sink did since start-up, for `/v1/health` and the shutdown log.
    var stats: [(sink: String, stats: AlertDispatcher.Stats)] {
        dispatchers.map { ($0.sinkName, $0.stats) }
    }

    /// Blocks the calling thread: only from a detached task, at shutdown.
    private static func waitIdle(_ dispatcher: AlertDispatcher, _ ms: Int64) -> Bool {
        dispatcher.waitUntilIdle(timeoutMs: ms)
    }

    /// Lets queued alerts go out for up to `graceMs`, then stops the threads (what is still
    /// queued is counted as dropped) and the clients.
    func shutdown(graceMs: Int64, logger: Logger) async {
        // One grace for all sinks, not one each: shutdown must stay within what the unit allows.
        let deadline = ContinuousClock.now + .milliseconds(graceMs)
        for dispatcher in dispatchers {
            let remaining = (deadline - ContinuousClock.now).components
            let left = max(0, remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000)
            let idle = await Task.detached { Self.waitIdle(dispatcher, left) }.value
            dispatcher.shutdown()
            let stats = dispatcher.stats
            if !idle || stats.failed > 0 || stats.dropped > 0 {
                logger.warning(
                    "alert sink did not deliver everything",
                    metadata: [
                        "event": "daemon.alert_sink_losses", "sink": "\(dispatcher.sinkName)", "delivered": "\(stats.delivered)",
                        "failed": "\(stats.failed)", "dropped": "\(stats.dropped)",
                        "last_error": "\(stats.lastError.map { "\($0)" } ?? "")",
                    ])
            }
        }
        for client in clients { await client.shutdown() }
        for file in files { close(file) }
    }
}

/// A sink whose failed attempts are logged (`daemon.alert_delivery_failed`, with the alert's id
/// and rule and the error, never the payload or a header), so an operator sees a pager that
/// stopped answering or a certificate that does not verify while it happens.
struct LoggedAlertSink: AlertSink {
    let sink: any AlertSink
    let logger: Logger
    var name: String { sink.name }

    func deliver(_ alert: Alert) throws(AlertDeliveryError) {
        do {
            try sink.deliver(alert)
        } catch {
            logger.warning(
                "alert delivery failed",
                metadata: [
                    "event": "daemon.alert_delivery_failed", "sink": "\(sink.name)", "alert_id": "\(alert.id)",
                    "rule": "\(alert.rule)", "error": "\(error)", "retryable": "\(error.isRetryable)",
                ])
            throw error
        }
    }
}
