import Testing

@testable import CodeServer
import Sandbox

struct RuntimeOptionsAssignmentTests {
    private func errors(_ assignments: [String]) -> [OptionError] {
        do {
            _ = try RuntimeOptions.parse(assignments: assignments)
            return []
        } catch {
            return error.errors
        }
    }

    @Test func valuesAreJSONWhenTheyParseAndStringsOtherwise() throws {
        let options = try RuntimeOptions.parse(assignments: [
            "tool_timeout_ms=5000", "network_egress_policy=allow", "allow_tools=[\"fs.*\"]", "watcher=false",
            "sandbox_profile=profiles/strict.json",
        ])
        #expect(options.toolTimeoutMs == 5000)
        #expect(options.networkEgressPolicy == .allow)
        #expect(options.allowTools == [Glob("fs.*")])
        #expect(!options.watcher)
        #expect(options.sandboxProfile == "profiles/strict.json")
    }

    @Test func quotedJSONForcesAString() throws {
        #expect(try RuntimeOptions.parse(assignments: ["sandbox_profile=\"7\""]).sandboxProfile == "7")
        #expect(errors(["sandbox_profile=7"]).map(\.kind) == [.wrongType(expected: .string, got: 7)])
    }

    @Test func malformedAndRepeatedAssignmentsAreErrors() {
        #expect(
            errors(["tool_timeout_ms", "=5", "watcher=true", "watcher=false"]) == [
                OptionError(key: "tool_timeout_ms", kind: .notAnAssignment),
                OptionError(key: "=5", kind: .notAnAssignment),
                OptionError(key: "watcher", kind: .duplicateKey),
            ])
    }

    @Test func valueErrorsNameTheKeyAlongsideAssignmentErrors() {
        #expect(errors(["nope", "tool_timeout_ms=-1"]).map(\.key) == ["nope", "tool_timeout_ms"])
    }
}
