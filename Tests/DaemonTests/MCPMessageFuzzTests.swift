import Sandbox
import TestSupport
import Testing

/// Thousands of malformed and hostile MCP messages, from a fixed seed, posted to the daemon's
/// MCP endpoint. Each must be answered as MCP clients expect: a JSON-RPC error object (parse
/// error, invalid request, method not found, invalid params), a tool result with `isError` for
/// a call the gate refused, or 202 with no body for a notification; never an HTML page, a
/// dropped connection or a 5xx. The daemon must keep serving throughout.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MCPMessageFuzzTests {
    static let caseCount = 2000

    @Test func everyHostileMessageGetsAJSONRPCAnswerAndTheDaemonKeepsServing() throws {
        let fixture = try DaemonFixture()
        fixture.directory.write("project/a.txt", "a\n")
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "fz").status == 0)
        var generator = HostileMCPMessages(seed: 0x6d63_705f_667a)
        var failures: [String] = []
        var toolErrors = 0
        for index in 0..<Self.caseCount {
            let message = generator.next()
            guard
                let answer = RawHTTP.send(
                    socket: fixture.daemon.socketPath, method: "POST", target: "/v1/projects/fz/mcp", body: message.body)
            else {
                failures.append("#\(index) \(message.label): no answer")
                break
            }
            switch message.expect {
            case .noAnswer:
                if answer.status != 202 || !answer.json.isNull { failures.append("#\(index) \(message.label): \(answer.status) \(answer.json)") }
            case .error(let code):
                let got = answer.json["error"]?["code"]?.intValue
                let wellFormed = answer.json["jsonrpc"] == "2.0" && answer.json["error"]?["message"]?.stringValue?.isEmpty == false
                if got != code || !wellFormed || answer.status >= 500 {
                    failures.append("#\(index) \(message.label): expected \(code), got \(answer.status) \(answer.json)")
                }
            case .toolError:
                let result = answer.json["result"]
                if answer.status != 200 || result?["isError"] != true || result?["content"]?[0]?["text"]?.stringValue?.isEmpty != false {
                    failures.append("#\(index) \(message.label): expected isError, got \(answer.status) \(answer.json)")
                } else {
                    toolErrors += 1
                }
            }
            if index % 250 == 249 {
                let ping = RawHTTP.send(
                    socket: fixture.daemon.socketPath, method: "POST", target: "/v1/projects/fz/mcp",
                    body: Array(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8))
                if ping?.json["result"] != [:] { failures.append("#\(index): ping failed after \(message.label)") }
            }
            if failures.count >= 20 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(toolErrors > 0, "the generator produced no refused tool calls")
        #expect(!fixture.logLines.contains { $0["event"]?.stringValue == "daemon.internal_error" })
        // A sound call still works after all of it.
        let good = RawHTTP.send(
            socket: fixture.daemon.socketPath, method: "POST", target: "/v1/projects/fz/mcp",
            body: Array(#"{"jsonrpc":"2.0","id":"last","method":"tools/call","params":{"name":"fs.read","arguments":{"path":"a.txt"}}}"#.utf8))
        #expect(good?.json["result"]?["isError"] == false, "\(good?.json ?? .null)")
    }
}

/// A deterministic generator of hostile MCP messages, each with the answer it must get.
struct HostileMCPMessages {
    enum Expectation {
        case noAnswer
        case error(Int)
        case toolError
    }

    struct Message {
        var label: String
        var body: [UInt8]
        var expect: Expectation
    }

    private var random: HostileRequests

    init(seed: UInt64) { random = HostileRequests(seed: seed) }

    static let parseError = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602

    private static func text(_ value: JSONValue) -> [UInt8] { JSONWriter.bytes(value) }

    mutating func next() -> Message {
        let id: JSONValue = random.below(2) == 0 ? .int(Int64(random.below(1_000_000))) : .string("id-\(random.below(1000))")
        switch random.below(16) {
        case 0:
            let valid = Self.text(["jsonrpc": "2.0", "id": id, "method": "tools/list"])
            return Message(label: "truncated", body: Array(valid.prefix(1 + random.below(valid.count - 1))), expect: .error(Self.parseError))
        case 1:
            let bad: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x80]]
            let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/"#.utf8) + random.pick(bad) + Array(#"list"}"#.utf8)
            return Message(label: "invalid UTF-8", body: body, expect: .error(Self.parseError))
        case 2:
            let texts = [#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"x"}"#, #"{"jsonrpc":"2.0",}"#, "{\"id\":\"\\ud800\"}", "", " "]
            return Message(label: "bad JSON text", body: Array(random.pick(texts).utf8), expect: .error(Self.parseError))
        case 3:
            let depth = 129 + random.below(50_000)
            return Message(label: "nesting \(depth)", body: Array(String(repeating: "[", count: depth).utf8), expect: .error(Self.parseError))
        case 4:
            let values: [JSONValue] = [[["jsonrpc": "2.0", "id": 1, "method": "ping"]], [], 1, "ping", true]
            return Message(label: "not an object", body: Self.text(random.pick(values)), expect: .error(Self.invalidRequest))
        case 5:
            let versions: [JSONValue] = ["1.0", 2, 2.0, .null, ["v": 2]]
            return Message(
                label: "bad jsonrpc", body: Self.text(["jsonrpc": random.pick(versions), "id": id, "method": "ping"]),
                expect: .error(Self.invalidRequest))
        case 6:
            let ids: [JSONValue] = [["x": 1], [1], true, 1.5]
            return Message(
                label: "bad id", body: Self.text(["jsonrpc": "2.0", "id": random.pick(ids), "method": "ping"]),
                expect: .error(Self.invalidRequest))
        case 7:
            let methods: [JSONValue] = [1, ["m"], ["tools/list"], false]
            return Message(
                label: "bad method type", body: Self.text(["jsonrpc": "2.0", "id": id, "method": random.pick(methods)]),
                expect: .error(Self.invalidRequest))
        case 8:
            let methods = ["tools/lis", "resources/subscribe", "prompts/gett", "../tools/list", "", "TOOLS/LIST", String(repeating: "m", count: 10_000)]
            return Message(
                label: "unknown method", body: Self.text(["jsonrpc": "2.0", "id": id, "method": .string(random.pick(methods))]),
                expect: .error(Self.methodNotFound))
        case 9:
            let params: [JSONValue] = [[1, 2], "params", 7, true]
            return Message(
                label: "params not an object",
                body: Self.text(["jsonrpc": "2.0", "id": id, "method": "tools/call", "params": random.pick(params)]),
                expect: .error(Self.invalidParams))
        case 10:
            let params: [JSONValue] = [
                ["arguments": [:]], ["name": 5], ["name": ["fs.read"]], ["name": "fs.read", "arguments": "path=a"],
                ["name": "fs.read", "arguments": [1]], ["name": "fs.read", "_meta": "x"], ["name": "fs.read", "_meta": ["correlation_id": 5]],
            ]
            return Message(
                label: "bad tools/call params",
                body: Self.text(["jsonrpc": "2.0", "id": id, "method": "tools/call", "params": random.pick(params)]),
                expect: .error(Self.invalidParams))
        case 11:
            // Well-formed calls the gate must refuse: a tool-level error, never a protocol error.
            let calls: [JSONValue] = [
                ["name": "no.such.tool", "arguments": [:]],
                ["name": "fs.read", "arguments": ["path": "../../../../etc/shadow"]],
                ["name": "fs.read", "arguments": ["path": "/etc/passwd"]],
                ["name": "fs.read", "arguments": ["path": 5]],
                ["name": "fs.read", "arguments": ["path": "a.txt", "unexpected": true]],
                ["name": "fs.read", "arguments": [:]],
                ["name": "fs.write", "arguments": ["path": "../escape.txt", "content": "x"]],
                ["name": "shell.run", "arguments": ["argv": "not an array"]],
                ["name": .string(String(repeating: "t", count: 5000)), "arguments": [:]],
            ]
            return Message(
                label: "refused call", body: Self.text(["jsonrpc": "2.0", "id": id, "method": "tools/call", "params": random.pick(calls)]),
                expect: .toolError)
        case 12:
            let params: [JSONValue] = [[:], ["protocolVersion": 20250618], ["protocolVersion": ["2025-06-18"]]]
            return Message(
                label: "bad initialize",
                body: Self.text(["jsonrpc": "2.0", "id": id, "method": "initialize", "params": random.pick(params)]),
                expect: .error(Self.invalidParams))
        case 13:
            // Resource URIs that must never be read: traversal, control bytes, another project,
            // other schemes, bad escapes, the wrong type.
            let uris: [JSONValue] = [
                "jcs://project/fz/skills/..", "jcs://project/fz/skills/%2E%2E", "jcs://project/fz/../other/skills/x",
                "jcs://project/fz/skills/a\u{1}b", "jcs://project/fz/skills/a%0Ab", "jcs://project/other/skills/x",
                "file:///etc/shadow", "jcs://project/fz/skills/%", "jcs://project/fz//x", "jcs://project/fz/etc/passwd",
                .string("jcs://project/fz/skills/" + String(repeating: "a", count: 5000)), 5, ["uri": "x"], .null,
            ]
            return Message(
                label: "bad resources/read",
                body: Self.text(["jsonrpc": "2.0", "id": id, "method": "resources/read", "params": ["uri": random.pick(uris)]]),
                expect: .error(Self.invalidParams))
        case 14:
            let params: [JSONValue] = [
                [:], ["name": 5], ["name": "nope"], ["name": "x", "arguments": "a"], ["name": "x", "arguments": ["k": "v"]],
                ["name": "tools/list", "arguments": [1]],
            ]
            return Message(
                label: "bad prompts/get",
                body: Self.text(["jsonrpc": "2.0", "id": id, "method": "prompts/get", "params": random.pick(params)]),
                expect: .error(Self.invalidParams))
        default:
            // Notifications, even malformed or unknown ones, and stray responses get no answer.
            let messages: [JSONValue] = [
                ["jsonrpc": "2.0", "method": "notifications/initialized"],
                ["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": ["x": 1]]],
                ["jsonrpc": "2.0", "method": "no/such/notification", "params": [1, 2]],
                ["jsonrpc": "2.0", "id": id, "result": [:]],
                ["jsonrpc": "2.0", "id": id, "error": ["code": 1, "message": "x"]],
            ]
            return Message(label: "notification", body: Self.text(random.pick(messages)), expect: .noAnswer)
        }
    }
}
