import Sandbox
import Testing

@testable import CodeServer

struct OutputCapsTests {
    @Test func outputWithinBothCapsPasses() {
        let caps = OutputCaps(maxOutputBytes: 100, maxArtifactBytes: 10)
        #expect(caps.check(["stdout": "0123456789"]) == nil)
    }

    @Test func wholeOutputOverTheCapIsOutputTooLarge() {
        let caps = OutputCaps(maxOutputBytes: 20, maxArtifactBytes: 1000)
        #expect(caps.check(["stdout": "0123456789", "stderr": "0123456789"])?.reason == .outputTooLarge)
    }

    @Test func nestedArtifactOverTheCapIsNamedByItsPath() {
        let caps = OutputCaps(maxOutputBytes: 10_000, maxArtifactBytes: 8)
        let output: JSONValue = ["entries": [["name": "short"], ["name": "much too long"]]]
        #expect(caps.check(output) == ToolFailure(
            .artifactTooLarge, "output.entries[1].name is 13 bytes; tool_max_artifact_bytes is 8"))
    }

    @Test func artifactsAreMeasuredInUTF8Bytes() {
        let caps = OutputCaps(maxOutputBytes: 10_000, maxArtifactBytes: 4)
        #expect(caps.check(["content": "ééé"])?.reason == .artifactTooLarge)
    }

    @Test func zeroOutputCapRefusesEveryOutput() {
        #expect(OutputCaps(maxOutputBytes: 0, maxArtifactBytes: 0).check([:])?.reason == .outputTooLarge)
    }
}
