import Sandbox
import Synchronization
import Testing

@testable import CodeServer

/// The SSE reader and the stream assembler against hostile and fragmented input, the context
/// budget, the redaction of secrets split across pieces, and the LLM options' strictness.
struct ChatStreamTests {
    static func feed(_ text: String, in pieces: Int = 1) throws -> [String] {
        var reader = SSEReader()
        let bytes = Array(text.utf8)
        let size = max(1, bytes.count / pieces)
        var events: [String] = []
        for start in stride(from: 0, to: bytes.count, by: size) {
            events += try reader.feed(bytes[start..<min(bytes.count, start + size)])
        }
        return events
    }

    @Test func theReaderSplitsEventsWhateverTheFragmentsAndLineEnds() throws {
        let stream = "data: {\"a\":1}\n\n: comment\r\nevent: x\r\ndata: one\r\ndata: two\r\n\r\ndata:[DONE]\r\r"
        for pieces in [1, 3, 7, stream.utf8.count] {
            #expect(try Self.feed(stream, in: pieces) == ["{\"a\":1}", "one\ntwo", "[DONE]"])
        }
    }

    @Test func theReaderIsBounded() {
        var reader = SSEReader(maximumLineBytes: 16, maximumEventBytes: 20)
        #expect(throws: SSEReader.Failure.lineTooLong(limit: 16)) { _ = try reader.feed(Array(repeating: UInt8(ascii: "a"), count: 17)) }
        var events = SSEReader(maximumLineBytes: 16, maximumEventBytes: 20)
        #expect(throws: SSEReader.Failure.eventTooLong(limit: 20)) {
            _ = try events.feed(Array("data: 0123456789\ndata: 0123456789\n".utf8))
        }
    }

    @Test func fragmentedParallelCallsAreAssembledByIndex() throws {
        var assembler = ChatStreamAssembler()
        let chunks = [
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"fs_read","arguments":""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"shell_run","arguments":"{\"ar"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"gv\":[]}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}"#,
            "[DONE]",
        ]
        var text = ""
        for chunk in chunks { text += try assembler.read(chunk) }
        let completion = try assembler.completion(timeToFirstTokenMs: 1)
        #expect(text == "Hi")
        #expect(completion.toolCalls == [
            ChatToolCall(id: "a", name: "shell_run", arguments: #"{"argv":[]}"#), ChatToolCall(id: "b", name: "fs_read", arguments: "{}"),
        ])
        #expect(completion.finishReason == "tool_calls" && completion.promptTokens == 7 && completion.completionTokens == 3)
        #expect(throws: ChatModelFailure.self) { _ = try assembler.read("{}") }
    }

    @Test func aStreamWithoutItsEndIsCutAndGarbageIsInvalid() throws {
        var assembler = ChatStreamAssembler()
        _ = try assembler.read(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"x","arguments":"{"}}]}}]}"#)
        #expect(throws: ChatModelFailure.streamCut("cut in the middle of a tool call")) {
            _ = try assembler.completion(timeToFirstTokenMs: nil)
        }
        var other = ChatStreamAssembler()
        #expect(throws: ChatModelFailure.self) { _ = try other.read("not json") }
        #expect(throws: ChatModelFailure.self) { _ = try other.read(#"{"no":"choices"}"#) }
    }

    @Test func theBudgetElidesOldToolOutputsFirstAndSaysSo() {
        let big = String(repeating: "x", count: 5000)
        var messages = [
            ChatMessage(role: .user, content: "first " + big),
            ChatMessage(role: .assistant, content: nil, toolCalls: [ChatToolCall(id: "1", name: "t", arguments: "{}")]),
            ChatMessage(role: .tool, content: big, toolCallId: "1"),
            ChatMessage(role: .assistant, content: "done"),
            ChatMessage(role: .user, content: "second"),
        ]
        #expect(ContextBudget.fit(&messages, budget: 6000) == 1)
        #expect(messages[2].elided && messages[2].content?.contains("elided by the runtime: 5000 bytes") == true)
        #expect(!messages[0].elided)
        #expect(ContextBudget.fit(&messages, budget: 1000) == 1)
        #expect(messages[0].elided && messages[4].content == "second")
    }

    @Test func aSecretSplitAcrossPiecesIsStillRedacted() {
        let secret = "sk-abcdefghijklmnop"
        let out = Mutex<[String]>([])
        let coalescer = DeltaCoalescer(redactor: SecretRedactor([secret]), clock: SystemClock(), minimumBytes: 1, intervalMs: 0) { piece in
            out.withLock { $0.append(piece) }
        }
        for piece in ["the key is sk-abc", "defghij", "klmnop, bye"] { coalescer.add(piece) }
        coalescer.finish()
        let joined = out.withLock { $0.joined() }
        #expect(joined == "the key is [REDACTED], bye")
        #expect(out.withLock { $0 }.allSatisfy { !$0.contains("sk-abc") })
    }

    @Test func theLLMOptionsAreStrictAndNameTheirField() throws {
        let options = try RuntimeOptions.parse([
            "llm_base_url": "https://api.example.com/v1/", "llm_model": "m", "llm_api_key_env": "KEY", "max_turn_steps": 5,
        ])
        #expect(options.llm.baseURL == "https://api.example.com/v1" && options.llm.maxTurnSteps == 5)
        #expect(options.effectiveJSON["llm_api_key_env"]?.stringValue == "KEY")
        for (json, field) in [
            (["llm_base_url": "https://x/v1"] as JSONValue, "llm_model"),
            (["llm_base_url": "https://x/v1", "llm_model": "m", "llm_api_key_env": "KEY", "llm_api_key_file": "/k"], "llm_api_key_env"),
            (["llm_base_url": "https://x/v1", "llm_model": "m", "llm_api_key_env": "sk-123"], "llm_api_key_env"),
            (["llm_base_url": "https://x/v1", "llm_model": "m", "llm_temperature": 2.5], "llm_temperature"),
            (["llm_base_url": "https://x/v1", "llm_model": "m", "llm_timeout_ms": 5], "llm_timeout_ms"),
        ] {
            do {
                _ = try RuntimeOptions.parse(json)
                Issue.record("accepted \(json)")
            } catch {
                #expect(error.errors.contains { $0.key == field }, "\(json): \(error.errors)")
            }
        }
    }
}
