import AsyncHTTPClient
import CodeServer
import Sandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A model behind an OpenAI-compatible chat-completions endpoint (OpenAI, OpenRouter, vLLM,
/// llama.cpp's server, Ollama), streamed over the daemon's one outbound client. The key is read
/// from the daemon's environment or a file at each request, and only ever goes into the
/// `Authorization` header; `secrets` hands it to the loop so whatever the model echoes of it is
/// redacted.
struct OpenAIChatModel: ChatModel {
    enum KeySource: Sendable {
        case none
        case environment(String)
        case file(String)
    }

    /// An error body is read up to this (it is shown, redacted, in `llm.failed`).
    static let maximumErrorBodyBytes = 4096

    let client: OutboundHTTPClient
    let url: String
    let keySource: KeySource
    let timeoutMs: Int64

    var secrets: [String] {
        guard let key = try? key() else { return [] }
        return [key]
    }

    func key() throws(ChatModelFailure) -> String? {
        switch keySource {
        case .none: return nil
        case .environment(let name):
            guard let value = getenv(name) else {
                throw .transport("the daemon's environment has no variable '\(name)' (llm_api_key_env)")
            }
            return String(cString: value)
        case .file(let path):
            return try Self.readKeyFile(path)
        }
    }

    static func readKeyFile(_ path: String) throws(ChatModelFailure) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw .transport("cannot open '\(path)' (llm_api_key_file): errno \(errno)") }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { throw .transport("'\(path)' (llm_api_key_file) is empty or unreadable") }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        return String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    func complete(
        _ request: ChatRequest, onDelta: @escaping @Sendable (String) -> Void
    ) async throws(ChatModelFailure) -> ChatCompletion {
        let key = try key()
        let timedOut = Flag()
        let work = Task { () -> Result<ChatCompletion, ChatModelFailure> in
            do throws(ChatModelFailure) {
                return .success(try await stream(request, key: key, onDelta: onDelta))
            } catch {
                return .failure(error)
            }
        }
        // The whole completion, first byte to [DONE], within llm_timeout_ms.
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(timeoutMs))
            guard !Task.isCancelled else { return }
            timedOut.set()
            work.cancel()
        }
        let result = await withTaskCancellationHandler { await work.value } onCancel: { work.cancel() }
        timer.cancel()
        if timedOut.isSet { throw .timeout }
        if Task.isCancelled { throw .cancelled }
        return try result.get()
    }

    private func stream(
        _ request: ChatRequest, key: String?, onDelta: @escaping @Sendable (String) -> Void
    ) async throws(ChatModelFailure) -> ChatCompletion {
        var headers = [("Accept", "text/event-stream")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        let started = ContinuousClock.now
        var reader = SSEReader()
        var assembler = ChatStreamAssembler()
        var firstTokenMs: Int64?
        var failure: ChatModelFailure?
        var errorBody: [UInt8] = []
        // A 200 head came: the answer had begun, so a break from here on is a cut stream.
        var streaming = false
        do {
            try await client.postStreaming(
                url, body: JSONWriter.bytes(request.body), headers: headers, timeoutMs: timeoutMs + 1000,
                onHead: { head in
                    guard head.status == 200 else {
                        failure = .http(status: head.status, retryAfterMs: Self.retryAfterMs(head), body: "")
                        return true
                    }
                    streaming = true
                    return true
                },
                onBody: { bytes in
                    if case .http = failure {
                        errorBody += bytes.prefix(Self.maximumErrorBodyBytes - errorBody.count)
                        return
                    }
                    for data in try reader.feed(bytes) {
                        let text = try assembler.read(data)
                        if firstTokenMs == nil && assembler.sawToken {
                            firstTokenMs = Self.milliseconds(ContinuousClock.now - started)
                        }
                        if !text.isEmpty { onDelta(text) }
                    }
                })
        } catch let error as SSEReader.Failure {
            throw .invalidResponse("\(error)")
        } catch let error as ChatModelFailure {
            throw error
        } catch let error as OutboundHTTPClient.Failure {
            if Task.isCancelled { throw .cancelled }
            if error == .timedOut { throw .timeout }
            // The connection broke mid-answer: a cut stream, whatever the transport's word for it
            // (which of reset, EOF or a client error comes first is a race on the wire).
            if failure == nil && streaming { throw .streamCut(error.description) }
            throw .transport(error.description)
        } catch {
            if Task.isCancelled { throw .cancelled }
            if failure == nil && (streaming || assembler.sawToken || reader.hasPartialEvent) {
                throw .streamCut("\(error)")
            }
            throw .transport("\(error)")
        }
        if case .http(let status, let retryAfter, _) = failure {
            throw .http(status: status, retryAfterMs: retryAfter, body: String(decoding: errorBody, as: UTF8.self))
        }
        if Task.isCancelled { throw .cancelled }
        return try assembler.completion(timeToFirstTokenMs: firstTokenMs)
    }

    /// `retry-after-ms` (OpenAI's) or `Retry-After` in seconds; an HTTP date is not honoured
    /// (the backoff applies).
    static func retryAfterMs(_ head: OutboundHTTPClient.StreamedHead) -> Int64? {
        if let text = head.header("retry-after-ms"), let ms = Double(text.trimmingPrefix(" ")), ms >= 0 {
            return Int64(ms)
        }
        if let text = head.header("retry-after"), let seconds = Double(text.trimmingPrefix(" ")), seconds >= 0 {
            return Int64(seconds * 1000)
        }
        return nil
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

/// Set once, read from any thread.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// The daemon's `ChatModelProvider`: one outbound client for every project's model.
struct OpenAIChatModels: ChatModelProvider {
    let client: OutboundHTTPClient

    func model(for options: LLMOptions, projectId: String) throws(OptionError) -> any ChatModel {
        guard let base = options.baseURL else {
            throw OptionError(key: "llm_base_url", kind: .invalidModelSetting("required"))
        }
        let url = base + "/chat/completions"
        if let reason = OutboundHTTPClient.refusal(of: url) {
            throw OptionError(key: "llm_base_url", kind: .invalidModelSetting(reason))
        }
        let source: OpenAIChatModel.KeySource
        if let name = options.apiKeyEnv {
            guard getenv(name) != nil else {
                throw OptionError(
                    key: "llm_api_key_env", kind: .invalidModelSetting("the daemon's environment has no variable '\(name)'"))
            }
            source = .environment(name)
        } else if let path = options.apiKeyFile {
            do throws(ChatModelFailure) {
                _ = try OpenAIChatModel.readKeyFile(path)
            } catch {
                throw OptionError(key: "llm_api_key_file", kind: .invalidModelSetting(error.detail))
            }
            source = .file(path)
        } else {
            source = .none
        }
        return OpenAIChatModel(client: client, url: url, keySource: source, timeoutMs: Int64(options.timeoutMs))
    }
}
