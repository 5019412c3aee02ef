import CodeServer
import Sandbox
import Synchronization

/// The agent loop's part of `/metrics`: model request latency, tokens, failures by reason, per
/// project. Fed from the same event stream as `MetricsCollector` (`llm.completed`,
/// `llm.failed`); memory is bounded by projects × `LLMFailureReason` cases.
final class LLMMetrics: Sendable {
    /// Seconds: a local model's first answer to a long completion at the 120 s default timeout.
    static let latencyBounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120]

    private struct PerProject: Sendable {
        var latency = Histogram(bounds: LLMMetrics.latencyBounds)
        var tokensIn: UInt64 = 0
        var tokensOut: UInt64 = 0
        var failures: [String: UInt64] = [:]
    }

    private let state = Mutex([String: PerProject]())

    func observe(_ event: TelemetryEvent) {
        switch event.payload {
        case .llmCompleted(let completed):
            state.withLock { projects in
                var project = projects[event.projectId] ?? PerProject()
                project.latency.observe(Double(completed.latencyMs) / 1000)
                project.tokensIn += UInt64(max(0, completed.tokensIn ?? 0))
                project.tokensOut += UInt64(max(0, completed.tokensOut ?? 0))
                projects[event.projectId] = project
            }
        case .llmFailed(let failed):
            state.withLock { projects in
                projects[event.projectId, default: PerProject()].failures[failed.reason.rawValue, default: 0] += 1
            }
        default:
            break
        }
    }

    var families: [MetricFamily] {
        let projects = state.withLock { $0 }
        var latency = MetricFamily(
            "jcs_llm_request_duration_seconds", .histogram,
            help: "Model requests of the agent loop that streamed to their end, from request to last chunk, per project.")
        var tokens = MetricFamily(
            "jcs_llm_tokens_total", .counter, help: "Tokens the model endpoint reported, per project and direction (in, out).")
        var failures = MetricFamily(
            "jcs_llm_failures_total", .counter,
            help: "Model requests that failed (retried ones included) and turns ended without an answer, per project and reason.")
        for (project, counts) in projects.sorted(by: { $0.key < $1.key }) {
            latency.samples += counts.latency.samples(name: latency.name, labels: [("project", project)])
            tokens.add([("project", project), ("direction", "in")], count: counts.tokensIn)
            tokens.add([("project", project), ("direction", "out")], count: counts.tokensOut)
            for reason in LLMFailureReason.allCases {
                failures.add([("project", project), ("reason", reason.rawValue)], count: counts.failures[reason.rawValue] ?? 0)
            }
        }
        return [latency, tokens, failures]
    }
}
