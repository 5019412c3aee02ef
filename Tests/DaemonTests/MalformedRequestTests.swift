import Sandbox
import TestSupport
import Testing

/// Requests the CLI would never send: each is answered with a structured error
/// `{"error", "field"?, "message"}` and the daemon keeps serving the next one.
@Suite
struct MalformedRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var target: String
        var body: [UInt8]
        var status: Int
        var error: String
        var field: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "wrong type", method: "POST", target: "/v1/projects", body: Array(#"{"root":1}"#.utf8),
             status: 400, error: "invalid_field", field: "root"),
        Case(name: "unknown field", method: "POST", target: "/v1/projects", body: Array(#"{"root":"/tmp","rooot":"/"}"#.utf8),
             status: 400, error: "unknown_field", field: "rooot"),
        Case(name: "missing field", method: "POST", target: "/v1/projects", body: Array("{}".utf8),
             status: 400, error: "missing_field", field: "root"),
        Case(name: "truncated JSON", method: "POST", target: "/v1/projects", body: Array(#"{"root":"/tm"#.utf8),
             status: 400, error: "invalid_json"),
        Case(name: "invalid UTF-8", method: "POST", target: "/v1/projects", body: Array(#"{"root":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8),
             status: 400, error: "invalid_json"),
        Case(name: "not an object", method: "POST", target: "/v1/projects", body: Array("[1,2]".utf8),
             status: 400, error: "invalid_field"),
        Case(name: "huge body", method: "POST", target: "/v1/projects", body: [UInt8](repeating: UInt8(ascii: " "), count: 3 << 20),
             status: 413, error: "body_too_large"),
        Case(name: "deep nesting", method: "POST", target: "/v1/projects", body: Array(String(repeating: "[", count: 10_000).utf8),
             status: 400, error: "invalid_json"),
        Case(name: "bad query type", method: "GET", target: "/v1/alerts?limit=many", body: [],
             status: 400, error: "invalid_field", field: "limit"),
        Case(name: "unknown route", method: "GET", target: "/v1/nothing/here", body: [], status: 404, error: "not_found"),
        Case(name: "unknown project", method: "GET", target: "/v1/projects/nope/diagnostics", body: [],
             status: 404, error: "unknown_project"),
        Case(name: "malformed escape", method: "GET", target: "/v1/projects/a%zz/tools", body: [],
             status: 400, error: "invalid_field", field: "project"),
        Case(name: "escape to invalid UTF-8", method: "GET", target: "/v1/projects/%ff%fe/tools", body: [],
             status: 400, error: "invalid_field", field: "project"),
    ]

    @Test func eachMalformedRequestGetsAStructuredErrorAndTheDaemonKeepsServing() throws {
        let fixture = try DaemonFixture()
        for item in Self.cases {
            let answer = try #require(
                RawHTTP.send(socket: fixture.daemon.socketPath, method: item.method, target: item.target, body: item.body),
                "\(item.name): no answer")
            #expect(answer.status == item.status, "\(item.name)")
            #expect(answer.json["error"]?.stringValue == item.error, "\(item.name): \(answer.json)")
            #expect(answer.json["field"]?.stringValue == item.field, "\(item.name)")
            #expect(answer.json["message"]?.stringValue?.isEmpty == false, "\(item.name)")
            #expect(fixture.jcs("project", "list").status == 0, "\(item.name): the daemon stopped serving")
        }
    }

    /// `jcs` sends each id as one percent-encoded path segment; the daemon must mean the same id.
    @Test func idsWithReservedCharactersRoundTripThroughThePath() throws {
        let fixture = try DaemonFixture()
        // A project id keeps to its alphabet (`ProjectIdRule`); a tool name does not.
        let id = "my-app.v2_1"
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", id).status == 0)
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "my app/v2?x#1%").json["field"] == "id")
        #expect(fixture.jcs("diagnostics", id).json["project_id"]?.stringValue == id)
        let call = fixture.jcs("tool", "run", id, #"no "such" tool"#)
        #expect(call.json["reason"]?.stringValue == "unknown_tool", "\(call.json)")
        #expect(call.json["tool"]?.stringValue == #"no "such" tool"#, "\(call.json)")
        #expect(fixture.jcs("project", "stop", id).status == 0)
    }

    @Test func theCLIReportsAnUnreachableDaemonWithExitStatus3() {
        let directory = TempDirectory()
        let r = runProduct("jcs", ["project", "list", "--json", "--socket", directory.file("absent.sock")])
        #expect(r.status == 3)
        #expect((try? JSONParser.parse(r.out))?["error"]?.stringValue == "daemon_unreachable")
    }
}
