import Hummingbird

/// `GET /metrics`: the daemon's state in the Prometheus text format, for a scraper that reaches
/// a listener (the socket's peer check or the TCP listener's token applies, as to every route).
struct MetricsRoutes {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        let metrics = DaemonMetrics(runtime: runtime, collector: runtime.metrics)
        router.get("/metrics") { _, _ in
            let text = PrometheusText.render(await metrics.families())
            return Response(
                status: .ok, headers: [.contentType: PrometheusText.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
