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
        let body = ResponseBody { writer in
            defer { slot.release() }
            let (frames, output) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(1024))
            let pump = Task {
                output.yield(frame(["task": first.json], id: id))
                await cancelWhenGracefulShutdown {
                    let ended = await started.feed.run { event in
                        if let update = update(for: event, task: taskId) { output.yield(frame(update, id: id)) }
                    }
                    guard ended else { return }
                    let last = await A2ATask.read(started.conversation, historyLength: historyLength)
                    if let artifact = last.artifact {
                        output.yield(
                            frame(
                                ["artifactUpdate": ["taskId": .string(taskId), "contextId": .string(taskId), "artifact": artifact, "lastChunk": true]],
                                id: id))
                    }
                    output.yield(frame(["statusUpdate": statusUpdate(task: taskId, status: last.status, event: nil)], id: id))
                }
                output.finish()
            }
            defer { pump.cancel() }
            ConnectionGuard.onPeerGone(channel) {
                pump.cancel()
                output.finish()
            }
            try await writer.write(frames)
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// The working status update an event of the turn becomes, or nil for the events a client of
    /// the task has no use for (and for those ending the turn, which the final read answers).
    static func update(for event: JSONValue, task: String) -> JSONValue? {
        guard let name = event["event"]?.stringValue, let kind = EventKind(rawValue: name) else { return nil }
        let payload = event["payload"] ?? [:]
        let tool = payload["tool"]?.stringValue ?? "?"
        let text: String?
        switch kind {
        case .conversationAssistantDelta:
            text = payload["text"]?.stringValue
        case .llmRequested:
            text = nil
        case .toolStarted:
            text = "running tool \(tool)"
        case .toolCompleted, .toolFailed, .toolTimeout, .toolCancelled:
            let outcome = payload["status"]?.stringValue ?? String(name.dropFirst("tool.".count))
            let reason = payload["reason"]?.stringValue.map { " (\($0))" } ?? ""
            text = "tool \(tool): \(outcome)\(reason)"
        case .policyDenied:
            text = "tool \(tool) denied: \(payload["reason"]?.stringValue ?? "policy_denied")"
        case .llmFailed where payload["final"]?.boolValue == false:
            let retry = payload["retry_in_ms"]?.intValue.map { "; retrying in \($0) ms" } ?? ""
            text = "model request failed (\(payload["reason"]?.stringValue ?? "?"))\(retry)"
        default:
            return nil
        }
        var status: [String: JSONValue] = ["state": .string(A2ATask.State.working.rawValue)]
        if let at = event["at"], !at.isNull { status["timestamp"] = at }
        if let text {
            let messageId = "\(event["correlation_id"]?.stringValue ?? task)-\(event["id"]?.uint64Value ?? 0)"
            status["message"] = A2AWire.message(id: messageId, role: "ROLE_AGENT", text: text, task: task)
        }
        return ["statusUpdate": statusUpdate(task: task, status: .object(status), event: event)]
    }

    private static func statusUpdate(task: String, status: JSONValue, event: JSONValue?) -> JSONValue {
        var update: [String: JSONValue] = ["taskId": .string(task), "contextId": .string(task), "status": status]
        // Which runtime event it was, for clients that want more than the text.
        if let event {
            var metadata: [String: JSONValue] = ["event": event["event"] ?? .null]
            if let correlation = event["correlation_id"] { metadata["correlation_id"] = correlation }
            if let step = event["payload"]?["step"] { metadata["step"] = step }
            if let call = event["payload"]?["call_id"] { metadata["call_id"] = call }
            update["metadata"] = .object(metadata)
        }
        return .object(update)
    }

    private static func frame(_ result: JSONValue, id: JSONRPCID) -> ByteBuffer {
        ByteBuffer(bytes: Array("data: ".utf8) + JSONWriter.bytes(JSONRPCResponse.result(result, id: id)) + Array("\n\n".utf8))
    }
}
