import Sandbox
import TestSupport
import Testing

/// Thousands of malformed and hostile requests, generated from a fixed seed (so a failure
/// replays), each built to be invalid in a known way: truncated JSON, invalid UTF-8, lone
/// surrogates, duplicate keys, wrong types, unknown fields, non-objects, deep nesting, huge
/// bodies, hostile paths and query values. Every one must get a 4xx with a structured error
/// object, and the daemon must keep serving throughout.
@Suite
struct APIFuzzTests {
    static let caseCount = 3000

    @Test func everyHostileRequestGetsAStructuredErrorAndTheDaemonKeepsServing() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "fz").status == 0)
        #expect(fixture.jcs("conversation", "start", "fz", "--id", "c1").status == 0)
        var generator = HostileRequests(seed: 0x6a63_735f_667a)
        var failures: [String] = []
        for index in 0..<Self.caseCount {
            let request = generator.next()
            guard let answer = RawHTTP.send(socket: fixture.daemon.socketPath, method: request.method, target: request.target, body: request.body)
            else {
                failures.append("#\(index) \(request.label): no answer")
                break
            }
            let structured =
                (400..<500).contains(answer.status) && answer.json["error"]?.stringValue?.isEmpty == false
                && answer.json["message"]?.stringValue?.isEmpty == false
            if !structured { failures.append("#\(index) \(request.label) \(request.method) \(request.target.prefix(80)): \(answer.status) \(answer.json)") }
            if index % 250 == 249 {
                let health = RawHTTP.send(socket: fixture.daemon.socketPath, method: "GET", target: "/v1/health", body: [])
                if health?.status != 200 { failures.append("#\(index): health check failed after \(request.label)") }
            }
            if failures.count >= 20 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // Nothing the fuzzer sent was taken as a valid command.
        let projects = fixture.jcs("project", "list").json["projects"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(projects == ["fz"])
        #expect(!fixture.logLines.contains { $0["event"]?.stringValue == "daemon.internal_error" })
        #expect(fixture.jcs("diagnostics", "fz").status == 0)
    }
}

/// A deterministic generator of invalid requests: the same seed gives the same sequence on
/// every machine.
struct HostileRequests {
    struct Request {
        var label: String
        var method: String
        var target: String
        var body: [UInt8]
    }

    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(state: seed) }

    mutating func random() -> UInt64 { generator.next() }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random() % UInt64(items.count))] }
    mutating func below(_ bound: Int) -> Int { Int(random() % UInt64(max(1, bound))) }

    /// A body route: where it is, and a valid body with the type of each field.
    struct BodyRoute {
        var target: String
        var valid: [String: JSONValue]
    }

    static let bodyRoutes: [BodyRoute] = [
        BodyRoute(target: "/v1/projects", valid: ["root": "/tmp", "id": "fz2", "options": [:]]),
        BodyRoute(target: "/v1/projects/fz/conversations", valid: ["id": "c2"]),
        BodyRoute(target: "/v1/projects/fz/conversations/c1/messages", valid: ["text": "hello", "correlation_id": "k"]),
        BodyRoute(target: "/v1/projects/fz/conversations/c1/cancel", valid: ["correlation_id": "k"]),
        BodyRoute(
            target: "/v1/projects/fz/tools/fs.read/run",
            valid: ["args": ["path": "a"], "conversation": "c1", "correlation_id": "k", "async": false]),
    ]

    mutating func next() -> Request {
        switch below(12) {
        case 0: return truncated()
        case 1: return invalidUTF8()
        case 2: return wrongType()
        case 3: return unknownField()
        case 4: return notAnObject()
        case 5: return badJSONText()
        case 6: return deepNesting()
        case 7: return below(8) == 0 ? hugeBody() : randomBytes()
        case 8: return hostilePath()
        case 9: return badQuery()
        case 10: return wrongMethod()
        default: return missingRequired()
        }
    }

    private mutating func route() -> BodyRoute { pick(Self.bodyRoutes) }

    private mutating func truncated() -> Request {
        let r = route()
        let bytes = JSONWriter.bytes(.object(r.valid))
        return Request(label: "truncated", method: "POST", target: r.target, body: Array(bytes.prefix(1 + below(bytes.count - 1))))
    }

    private mutating func invalidUTF8() -> Request {
        let r = route()
        let bad: [[UInt8]] = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80]]
        let key = pick(r.valid.keys.sorted())
        let body = Array(#"{""#.utf8) + Array(key.utf8) + Array(#"":"a"#.utf8) + pick(bad) + Array(#"b"}"#.utf8)
        return Request(label: "invalid UTF-8", method: "POST", target: r.target, body: body)
    }

    /// A value of another JSON type than the field takes (never null, which means absent).
    private mutating func wrongType() -> Request {
        let r = route()
        let key = pick(r.valid.keys.sorted())
        let wrong: JSONValue
        switch r.valid[key] {
        case .string?: wrong = pick([JSONValue.int(Int64(below(1000))), [1, 2], ["k": "v"], true, 1.5])
        case .object?: wrong = pick([JSONValue.string("x"), [1], 7, false])
        case .bool?: wrong = pick([JSONValue.string("true"), 1, [true], ["b": true]])
        default: wrong = "x"
        }
        var body = r.valid
        body[key] = wrong
        return Request(label: "wrong type \(key)", method: "POST", target: r.target, body: JSONWriter.bytes(.object(body)))
    }

    private mutating func unknownField() -> Request {
        let r = route()
        var body = r.valid
        let names = ["rooot", "__proto__", "constructor", "ID", "args ", "", "\u{0}", "\u{202e}evil", String(repeating: "k", count: 5000)]
        body[pick(names) + (below(2) == 0 ? "" : "\(below(100))")] = pick([JSONValue.string("x"), 1, [:]])
        return Request(label: "unknown field", method: "POST", target: r.target, body: JSONWriter.bytes(.object(body)))
    }

    private mutating func notAnObject() -> Request {
        let r = route()
        let values: [String] = ["[]", "[1,2]", "1", "-0", "\"text\"", "true", "null", "[{\"root\":\"/\"}]"]
        return Request(label: "not an object", method: "POST", target: r.target, body: Array(pick(values).utf8))
    }

    private mutating func badJSONText() -> Request {
        let r = route()
        let texts = [
            #"{"root":"\ud800"}"#, #"{"root":"a","root":"b"}"#, #"{"root":1e400}"#, #"{"root":NaN}"#, #"{"root":01}"#,
            #"{'root':'x'}"#, #"{"root":"x",}"#, "{\"root\":\"a\u{1}b\"}", #"{"root":"\x"}"#, "\u{feff}{}", #"{"a":1}{"b":2}"#,
            #"{"root":"/tmp"} trailing"#, "{\"root\":-}", #"{"root":"\u12"}"#, "{,}",
        ]
        return Request(label: "bad JSON", method: "POST", target: r.target, body: Array(pick(texts).utf8))
    }

    private mutating func deepNesting() -> Request {
        let r = route()
        let depth = 129 + below(100_000)
        let open = below(2) == 0 ? "[" : #"{"a":"#
        return Request(label: "nesting \(depth)", method: "POST", target: r.target, body: Array(String(repeating: open, count: depth).utf8))
    }

    private mutating func hugeBody() -> Request {
        let r = route()
        let size = (1 << 20) + 1 + below(2 << 20)
        let body = Array(#"{"root":""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: size) + Array(#""}"#.utf8)
        return Request(label: "huge body \(size)", method: "POST", target: r.target, body: body)
    }

    private mutating func randomBytes() -> Request {
        let r = route()
        var body = (0..<(1 + below(512))).map { _ in UInt8(truncatingIfNeeded: random()) }
        // Never an empty object by chance: a leading byte no JSON text starts with.
        body[0] = pick([0x00, 0x01, 0xFF, UInt8(ascii: "}"), UInt8(ascii: ":")])
        return Request(label: "random bytes", method: "POST", target: r.target, body: body)
    }

    private mutating func hostilePath() -> Request {
        let ids = [
            "..", "../..", "%2e%2e", "nope", String(repeating: "p", count: 4000), "%00", "a%2Fb", "%ff%fe", "p'or'1'='1",
            "$(id)", "fz%20", "\u{202e}",
        ]
        let id = pick(ids)
        let shapes = [
            "/v1/projects/\(id)/tools", "/v1/projects/\(id)/diagnostics", "/v1/projects/fz/conversations/\(id)",
            "/v1/projects/fz/conversations/c1/calls/\(id)", "/v1/projects/fz/assets/\(id)", "/v1/\(id)",
            "/v1/projects/fz/conversations/\(id)/incident",
        ]
        let target = pick(shapes).utf8.map { $0 < 0x21 || $0 > 0x7e ? "%\(String($0, radix: 16, uppercase: true))" : String(UnicodeScalar($0)) }.joined()
        return Request(label: "hostile path", method: "GET", target: target, body: [])
    }

    private mutating func badQuery() -> Request {
        let values = ["many", "-1", "0", "99999999999999999999999", "1.5", "", "%00", "1e3", "0x10", "1001", "-9223372036854775808"]
        let shapes = [
            "/v1/alerts?limit=", "/v1/projects/fz/conversations/c1/incident?limit=", "/v1/projects/fz/conversations/c1?limit=",
            "/v1/projects/fz/events?follow=",
        ]
        var target = pick(shapes)
        // Every value is one the parameter must refuse: out of range, not an integer, not a boolean.
        target += target.hasSuffix("follow=") ? pick(["maybe", "2", "yes!", "%ff"]) : pick(values)
        return Request(label: "bad query \(target)", method: "GET", target: target, body: [])
    }

    private mutating func wrongMethod() -> Request {
        let pairs = [
            ("PUT", "/v1/projects"), ("PATCH", "/v1/projects/fz"), ("DELETE", "/v1/health"), ("POST", "/v1/alerts"),
            ("PUT", "/v1/projects/fz/tools"), ("DELETE", "/v1/projects/fz/diagnostics"),
        ]
        let (method, target) = pick(pairs)
        return Request(label: "wrong method", method: method, target: target, body: [])
    }

    private mutating func missingRequired() -> Request {
        let cases = [("/v1/projects", ["id": JSONValue.string("x")]), ("/v1/projects/fz/conversations/c1/messages", ["correlation_id": "k"])]
        let (target, body) = pick(cases)
        return Request(label: "missing field", method: "POST", target: target, body: JSONWriter.bytes(.object(body)))
    }
}
