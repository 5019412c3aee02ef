import Sandbox
import TestSupport
import Testing

/// Thousands of malformed and hostile A2A requests, from a fixed seed, posted to a project's A2A
/// endpoint. Each must get the JSON-RPC error A2A clients expect, with HTTP 200: parse error,
/// invalid request, method not found, invalid params naming the field (in A2A's ErrorInfo
/// detail), content type not supported, task not found; never an HTML page, a dropped
/// connection or a 5xx. The daemon must keep serving throughout, and a body over the bound is
/// refused without being read.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct A2AMessageFuzzTests {
    static let caseCount = 2000
    static let target = "/v1/projects/fz/a2a"

    @Test func everyHostileRequestGetsTheRightJSONRPCErrorAndTheDaemonKeepsServing() throws {
        let fixture = try DaemonFixture()
        // No model: a well-formed SendMessage is refused as no_model (-32004), after its params
        // were read; nothing here reaches a model.
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "fz").status == 0)
        #expect(fixture.jcs("conversation", "start", "fz", "--id", "c1").status == 0)
        var generator = HostileA2ARequests(seed: 0x6132_615f_667a)
        var failures: [String] = []
        var fields: Set<String> = []
        for index in 0..<Self.caseCount {
            let request = generator.next()
            guard let answer = RawHTTP.send(socket: fixture.daemon.socketPath, method: "POST", target: Self.target, body: request.body)
            else {
                failures.append("#\(index) \(request.label): no answer")
                break
            }
            let error = answer.json["error"]
            let wellFormed = answer.status == 200 && answer.json["jsonrpc"] == "2.0" && error?["message"]?.stringValue?.isEmpty == false
            if error?["code"]?.intValue != request.code || !wellFormed {
                failures.append("#\(index) \(request.label): expected \(request.code), got \(answer.status) \(answer.json)")
            }
            if let field = request.field {
                let named = error?["data"]?[0]?["metadata"]?["field"]?.stringValue
                if named != field { failures.append("#\(index) \(request.label): expected field \(field), got \(answer.json)") }
                fields.insert(field)
            }
            if request.code != JSONRPCErrorCode.parse, request.code != JSONRPCErrorCode.invalidRequest || request.idReadable,
                answer.json["id"] != request.id
            {
                failures.append("#\(index) \(request.label): the answer's id is \(answer.json["id"] ?? .null), not \(request.id)")
            }
            if failures.count >= 20 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(fields.count >= 10, "the generator named too few fields: \(fields.sorted())")
        #expect(!fixture.logLines.contains { $0["event"]?.stringValue == "daemon.internal_error" })

        // Over the bound: 413 with a JSON-RPC error, the connection closed.
        let huge = Array(#"{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":""#.utf8) + [UInt8](repeating: 0x61, count: 2 << 20)
            + Array(#""}}"#.utf8)
        let refused = try #require(RawHTTP.send(socket: fixture.daemon.socketPath, method: "POST", target: Self.target, body: huge))
        #expect(refused.status == 413)
        #expect(refused.json["error"]?["code"]?.intValue == JSONRPCErrorCode.invalidRequest)
        // An unknown project: 404 with a JSON-RPC error.
        let unknown = try #require(
            RawHTTP.send(
                socket: fixture.daemon.socketPath, method: "POST", target: "/v1/projects/nope/a2a",
                body: Array(#"{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"c1"}}"#.utf8)))
        #expect(unknown.status == 404)
        #expect(unknown.json["error"]?["code"]?.intValue == -32020)
        // A version this agent does not speak.
        let version = try #require(
            RawHTTP.send(
                socket: fixture.daemon.socketPath, method: "POST", target: Self.target, headers: [("A2A-Version", "0.3")],
                body: Array(#"{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"c1"}}"#.utf8)))
        #expect(version.json["error"]?["code"]?.intValue == -32009)
        // A sound request still works after all of it: the conversation started over the API is a task.
        let good = try #require(
            RawHTTP.send(
                socket: fixture.daemon.socketPath, method: "POST", target: Self.target,
                body: Array(#"{"jsonrpc":"2.0","id":"last","method":"GetTask","params":{"id":"c1"}}"#.utf8)))
        #expect(good.json["result"]?["id"]?.stringValue == "c1", "\(good.json)")
        #expect(good.json["result"]?["status"]?["state"]?.stringValue == "TASK_STATE_INPUT_REQUIRED")
    }
}

enum JSONRPCErrorCode {
    static let parse = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602
    static let taskNotFound = -32001
    static let unsupportedOperation = -32004
    static let contentType = -32005
}

/// A deterministic generator of hostile A2A requests, each with the error it must get and, for
/// invalid params, the field the error must name.
struct HostileA2ARequests {
    struct Request {
        var label: String
        var body: [UInt8]
        var code: Int
        var field: String?
        var id: JSONValue
        /// Whether the server can read the id back (false for requests refused before it).
        var idReadable = true
    }

    private var random: SplitMix64
    private var counter: Int64 = 0

    init(seed: UInt64) { random = SplitMix64(state: seed) }

    private mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(max(1, bound))) }
    private mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    private mutating func value(_ items: [JSONValue]) -> JSONValue { pick(items) }
    private mutating func maybe(_ items: [JSONValue?]) -> JSONValue? { pick(items) }

    static let validMessage: JSONValue = [
        "messageId": "m-1", "role": "ROLE_USER", "parts": [["text": "hello"]], "contextId": "ctx-1",
    ]

    mutating func next() -> Request {
        counter += 1
        let id: JSONValue = below(2) == 0 ? .int(counter) : .string("r-\(counter)")
        func request(_ method: JSONValue, _ params: JSONValue?) -> [String: JSONValue] {
            var object: [String: JSONValue] = ["jsonrpc": "2.0", "id": id, "method": method]
            if let params { object["params"] = params }
            return object
        }
        func body(_ value: JSONValue) -> [UInt8] { JSONWriter.bytes(value) }
        switch below(12) {
        case 0:
            // Truncated: never valid JSON once the closing brace is gone.
            let full = body(.object(request("SendMessage", ["message": Self.validMessage])))
            return Request(label: "truncated", body: Array(full.prefix(below(full.count - 1))), code: JSONRPCErrorCode.parse, id: .null, idReadable: false)
        case 1:
            let junk = (0..<(1 + below(64))).map { _ in UInt8(truncatingIfNeeded: random.next()) | 0x80 }
            return Request(label: "binary", body: junk, code: JSONRPCErrorCode.parse, id: .null, idReadable: false)
        case 2:
            let value = self.value([[1, 2], "text", 42, true, .null, [.object(request("GetTask", ["id": "c1"]))]])
            return Request(label: "not an object \(value)", body: body(value), code: JSONRPCErrorCode.invalidRequest, id: .null, idReadable: false)
        case 3:
            var object = request("GetTask", ["id": "c1"])
            let bad = maybe([nil, JSONValue.null, true, 1.5, ["x": 1], [1]])
            object["id"] = bad
            return Request(label: "bad id \(bad.map { "\($0)" } ?? "absent")", body: body(.object(object)), code: JSONRPCErrorCode.invalidRequest, field: "id", id: .null, idReadable: false)
        case 4:
            var object = request("GetTask", ["id": "c1"])
            let bad = maybe([nil, "1.0", 2, JSONValue.null])
            object["jsonrpc"] = bad
            return Request(label: "bad jsonrpc", body: body(.object(object)), code: JSONRPCErrorCode.invalidRequest, field: "jsonrpc", id: id)
        case 5:
            var object = request("GetTask", ["id": "c1"])
            let bad = maybe([nil, 7, JSONValue.null, "", ["m": 1]])
            object["method"] = bad
            return Request(label: "bad method", body: body(.object(object)), code: JSONRPCErrorCode.invalidRequest, field: "method", id: id)
        case 6:
            let method = pick(["message/send", "tasks/get", "ListTasks", "SubscribeToTask", "getTask", "SENDMESSAGE", "\u{0}"])
            return Request(label: "unknown method \(method)", body: body(.object(request(.string(method), [:]))), code: JSONRPCErrorCode.methodNotFound, id: id)
        case 7:
            let method = pick(["SendMessage", "GetTask", "CancelTask", "SendStreamingMessage"])
            let bad = value([[1], "p", 3, false])
            return Request(label: "params \(bad)", body: body(.object(request(.string(method), bad))), code: JSONRPCErrorCode.invalidParams, field: "params", id: id)
        case 8:
            let method = pick(["GetTask", "CancelTask"])
            let bad = maybe([nil, 5, true, ["x": "y"], ["c1"]])
            var params: [String: JSONValue] = [:]
            if let bad { params["id"] = bad }
            return Request(label: "\(method) id \(bad.map { "\($0)" } ?? "absent")", body: body(.object(request(.string(method), .object(params)))), code: JSONRPCErrorCode.invalidParams, field: "id", id: id)
        case 9:
            let method = pick(["GetTask", "CancelTask"])
            let params: JSONValue = ["id": .string("no-such-task-\(counter)")]
            return Request(label: "\(method) unknown task", body: body(.object(request(.string(method), params))), code: JSONRPCErrorCode.taskNotFound, id: id)
        case 10:
            let (field, params) = brokenMessage()
            let method = pick(["SendMessage", "SendStreamingMessage"])
            let code = field.hasPrefix("content:") ? JSONRPCErrorCode.contentType : JSONRPCErrorCode.invalidParams
            let named = field.hasPrefix("content:") ? String(field.dropFirst("content:".count)) : field
            return Request(label: "\(method) broken \(named)", body: body(.object(request(.string(method), params))), code: code, field: named, id: id)
        default:
            // Well formed: refused after the params were read, since the project has no model.
            let method = pick(["SendMessage", "SendStreamingMessage"])
            return Request(label: "\(method) without a model", body: body(.object(request(.string(method), ["message": Self.validMessage]))), code: JSONRPCErrorCode.unsupportedOperation, id: id)
        }
    }

    /// A SendMessage whose params break one rule; the field the answer must name (`content:`
    /// first for a part this agent cannot read).
    private mutating func brokenMessage() -> (String, JSONValue) {
        var message = Self.validMessage.objectValue ?? [:]
        var params: [String: JSONValue] = [:]
        let field: String
        switch below(12) {
        case 0:
            field = "message"
            params["message"] = value([.null, "hello", 3, [1]])
            return (field, .object(params))
        case 1:
            field = "message.messageId"
            message["messageId"] = maybe([nil, "", 5, JSONValue.null])
        case 2:
            field = "message.role"
            message["role"] = maybe([nil, "ROLE_AGENT", "user", 2, true])
        case 3:
            field = "message.parts"
            message["parts"] = maybe([nil, [], "hello", ["text": "x"]])
        case 4:
            field = "message.parts[0]"
            message["parts"] = value([["hello"], [7], [["metadata": [:]]], [[:]]])
        case 5:
            field = "message.parts[1].text"
            let text = value([5, true, ["t": 1], [1]])
            message["parts"] = [["text": "a"], ["text": text]]
        case 6:
            field = "content:message.parts[0]"
            message["parts"] = value([[["data": ["k": 1]]], [["url": "https://example.com/x"]], [["raw": "aGVsbG8="]]])
        case 7:
            field = pick(["message.taskId", "message.contextId"])
            message[String(field.dropFirst("message.".count))] = value([5, true, ["x": 1], [1]])
        case 8:
            field = "configuration"
            params["configuration"] = value(["c", 1, [1]])
        case 9:
            field = "configuration.returnImmediately"
            let flag = value(["yes", 1, [true]])
            params["configuration"] = ["returnImmediately": flag]
        case 10:
            field = "configuration.historyLength"
            let length = value([-1, "5", 2.5, true])
            params["configuration"] = ["historyLength": length]
        default:
            field = pick(["configuration.acceptedOutputModes", "content:configuration.acceptedOutputModes"])
            let modes: JSONValue = field.hasPrefix("content:") ? ["image/png", "application/json"] : value(["text/plain", [1], 5])
            params["configuration"] = ["acceptedOutputModes": modes]
        }
        params["message"] = .object(message)
        return (field, .object(params))
    }
}
