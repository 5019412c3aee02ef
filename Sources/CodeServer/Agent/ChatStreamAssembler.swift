import Sandbox

/// Turns the `data` of a chat-completions stream into a `ChatCompletion`: content deltas in
/// order, tool calls assembled by `index` from their fragments (the id and name come once, the
/// `arguments` in pieces), the finish reason, and the usage of the last chunk. Ends at `[DONE]`.
/// Bounded: more than `maximumCalls` calls or `maximumBytes` of text and arguments is an
/// invalid response.
public struct ChatStreamAssembler: Sendable {
    public static let maximumCalls = 128
    public static let maximumBytes = 8 << 20

    private var content: [UInt8] = []
    private var calls: [Int: ChatToolCall] = [:]
    private var bytes = 0
    private var finishReason: String?
    private var promptTokens: Int?
    private var completionTokens: Int?
    public private(set) var isDone = false
    /// Whether a chunk carried text or a call yet (time to first token).
    public private(set) var sawToken = false

    public init() {}

    /// Reads one event's data; returns the content text it added (possibly empty).
    public mutating func read(_ data: String) throws(ChatModelFailure) -> String {
        guard !isDone else { throw .invalidResponse("data after [DONE]") }
        if data == "[DONE]" {
            isDone = true
            return ""
        }
        let chunk: JSONValue
        do {
            chunk = try JSONParser.parse(data)
        } catch {
            throw .invalidResponse("a chunk is not JSON: \(error)")
        }
        if let error = chunk["error"], !error.isNull {
            throw .invalidResponse("the endpoint reported an error mid-stream: \(error["message"]?.stringValue ?? "\(error)")")
        }
        if let usage = chunk["usage"], !usage.isNull {
            promptTokens = usage["prompt_tokens"]?.intValue
            completionTokens = usage["completion_tokens"]?.intValue
        }
        guard let choices = chunk["choices"]?.arrayValue else {
            throw .invalidResponse("a chunk has no 'choices' array")
        }
        var added = ""
        for choice in choices where (choice["index"]?.intValue ?? 0) == 0 {
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
            guard let delta = choice["delta"], delta.objectValue != nil else { continue }
            if let text = delta["content"]?.stringValue, !text.isEmpty {
                try count(text.utf8.count)
                content.append(contentsOf: text.utf8)
                added += text
                sawToken = true
            }
            for fragment in delta["tool_calls"]?.arrayValue ?? [] {
                try merge(fragment)
                sawToken = true
            }
        }
        return added
    }

    private mutating func merge(_ fragment: JSONValue) throws(ChatModelFailure) {
        guard let index = fragment["index"]?.intValue, index >= 0 else {
            throw .invalidResponse("a tool_calls entry has no 'index'")
        }
        var call = calls[index] ?? ChatToolCall(id: "", name: "", arguments: "")
        if calls[index] == nil {
            guard calls.count < Self.maximumCalls else {
                throw .invalidResponse("more than \(Self.maximumCalls) tool calls in one completion")
            }
        }
        if let id = fragment["id"]?.stringValue { call.id = id }
        if let function = fragment["function"] {
            if let name = function["name"]?.stringValue { call.name += name }
            if let arguments = function["arguments"]?.stringValue {
                try count(arguments.utf8.count)
                call.arguments += arguments
            }
        }
        calls[index] = call
    }

    private mutating func count(_ more: Int) throws(ChatModelFailure) {
        bytes += more
        guard bytes <= Self.maximumBytes else {
            throw .invalidResponse("more than \(Self.maximumBytes) bytes of text and arguments")
        }
    }

    /// The completion; throws `streamCut` when the stream ended before `[DONE]` and before a
    /// finish reason.
    public func completion(timeToFirstTokenMs: Int64?) throws(ChatModelFailure) -> ChatCompletion {
        guard isDone || finishReason != nil else {
            throw .streamCut(calls.isEmpty ? "no [DONE] and no finish_reason" : "cut in the middle of a tool call")
        }
        let ordered = calls.sorted { $0.key < $1.key }.map(\.value)
        return ChatCompletion(
            content: String(decoding: content, as: UTF8.self), toolCalls: ordered, finishReason: finishReason,
            promptTokens: promptTokens, completionTokens: completionTokens, timeToFirstTokenMs: timeToFirstTokenMs)
    }
}
