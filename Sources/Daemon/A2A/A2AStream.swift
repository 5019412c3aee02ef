import CodeServer
import Hummingbird
import NIOCore
import Sandbox
import ServiceLifecycle

/// `SendStreamingMessage`'s answer: Server-Sent Events, each `data:` one JSON-RPC response whose
/// result is a `StreamResponse`. First the task as the message left it (submitted or working),
/// then the turn's events from its `TurnFeed` as they happen (text the model streams, tool calls
/// starting and ending, retries) as working status updates, and last the answer as an artifact
/// and the final status, read back from the journal so that they say what `GetTask` says. The
/// stream ends with the turn, or when the client goes away (the turn goes on: `CancelTask` ends it).
enum A2AStream {
    static func response(
        _ started: A2AServer.Started, id: JSONRPCID, historyLength: Int?, channel: any Channel, slot: FollowerSlot
    ) async -> Response {
        let first = await A2ATask.read(started.conversation, historyLength: historyLength)
        let taskId = started.conversation.id
        let stream = SSEStream(capacity: 1024)
        let pump = Task {
            defer { stream.finish() }
            _ = stream.send(frame(["task": first.json], id: id))
            let ended = await started.feed.run { event, _ in
                if let update = update(for: event, task: taskId) { _ = stream.send(frame(update, id: id)) }
            }
            guard ended else { return }
            let last = await A2ATask.read(started.conversation, historyLength: historyLength)
            if let artifact = last.artifact {
                _ = stream.send(
                    frame(
                        ["artifactUpdate": ["taskId": .string(taskId), "contextId": .string(taskId), "artifact": artifact, "lastChunk": true]],
                        id: id))
            }
            _ = stream.send(frame(["statusUpdate": statusUpdate(task: taskId, status: last.status, metadata: nil)], id: id))
        }
        // The client leaving, the daemon shutting down or the turn ending all end the response;
        // the turn itself goes on (`CancelTask` ends it).
        return SSEResponse.response(stream, channel: channel) {
            pump.cancel()
            slot.release()
        }
    }

    /// The working status update an event of the turn becomes, or nil for the events a client of
    /// the task has no use for (and for those ending the turn, which the final read answers).
    static func update(for event: RuntimeEvent, task: String) -> JSONValue? {
        let text: String?
        var step: Int64?
        switch event.payload {
        case .conversationAssistantDelta(let delta):
            text = delta.text
            step = delta.step
        case .llmRequested(let requested):
            text = nil
            step = requested.step
        case .toolStarted(let started): text = "running tool \(started.tool)"
        case .toolCompleted(let completed): text = "tool \(completed.tool): completed"
        case .toolFailed(let failed): text = "tool \(failed.tool): failed (\(failed.reason.rawValue))"
        case .toolTimeout(let timeout): text = "tool \(timeout.tool): timeout"
        case .toolCancelled(let cancelled): text = "tool \(cancelled.tool): cancelled"
        case .policyDenied(let verdict): text = "tool \(verdict.tool) denied: \(verdict.reason)"
        case .llmFailed(let failed):
            guard let retry = failed.retry else { return nil }
            text = "model request failed (\(failed.reason.rawValue)); retrying in \(retry.retryInMs) ms"
            step = failed.step
        default:
            return nil
        }
        var status: [String: JSONValue] = [
            "state": .string(A2ATask.State.working.rawValue), "timestamp": .string(Timestamp.rfc3339(ms: event.atMs)),
        ]
        if let text {
            let messageId = "\(event.correlationId ?? task)-\(event.id)"
            status["message"] = A2AWire.message(id: messageId, role: "ROLE_AGENT", text: text, task: task)
        }
        // Which runtime event it was, for clients that want more than the text.
        var metadata: [String: JSONValue] = ["event": .string(event.name.rawValue)]
        if let correlation = event.correlationId { metadata["correlation_id"] = .string(correlation) }
        if let step { metadata["step"] = .int(step) }
        if let callId = event.payload.callId { metadata["call_id"] = .string(callId) }
        return ["statusUpdate": statusUpdate(task: task, status: .object(status), metadata: metadata)]
    }

    private static func statusUpdate(task: String, status: JSONValue, metadata: [String: JSONValue]?) -> JSONValue {
        var update: [String: JSONValue] = ["taskId": .string(task), "contextId": .string(task), "status": status]
        if let metadata { update["metadata"] = .object(metadata) }
        return .object(update)
    }

    private static func frame(_ result: JSONValue, id: JSONRPCID) -> SSEEvent {
        SSEEvent(data: JSONWriter.text(JSONRPCResponse.result(result, id: id)))
    }
}
