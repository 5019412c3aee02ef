import Sandbox
import TestSupport
import Testing

@testable import CodeServer

/// Workflows through the gate in real sandboxes: data between steps, stop and continue.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct WorkflowExecutionTests {
    private func commands(_ tree: AssetTree) {
        tree.write(
            ".jido/commands/emit.md",
            "---\nname: emit\ndescription: d\nparams: {text: {type: string, required: true}}\n"
                + #"run: ["/usr/bin/printf", "%s", "{{text}}"]"# + "\n---\n")
        tree.write(
            ".jido/commands/fail.md",
            "---\nname: fail\ndescription: d\nscript: echo failing >&2; exit 7\n---\n")
        tree.write(
            ".jido/commands/upper.md",
            "---\nname: upper\ndescription: d\nparams: {text: {type: string, required: true}, code: {type: integer}}\n"
                + "script: printf '%s/%s' \"$JCS_PARAM_TEXT\" \"$JCS_PARAM_CODE\" | tr a-z A-Z\n---\n")
    }

    private func workflow(_ name: String, onError: String, steps: String) -> String {
        "---\nname: \(name)\ndescription: d\ninputs: {word: {type: string, required: true}}\non_error: \(onError)\nsteps:\n\(steps)---\n"
    }

    @Test func stepsPassDataToLaterSteps() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        commands(tree)
        tree.write(
            ".jido/workflows/chain.md",
            workflow(
                "chain", onError: "stop",
                steps: """
                      - {id: first, command: emit, args: {text: "{{inputs.word}}; $(id)"}}
                      - {id: second, command: upper, args: {text: "got {{steps.first.stdout}}", code: "{{steps.first.exit_code}}"}}

                    """))
        let project = try await fixture.start(["watcher": false])
        #expect(project.assets.snapshot.issues.isEmpty, "\(project.assets.snapshot.issues)")
        let result = await project.execute(
            ToolCall(tool: "workflow.run.chain", arguments: ["word": "hello"], correlationId: "corr-wf"))
        #expect(result.status == .completed, "\(result)")
        #expect(result.output?["status"] == "completed")
        #expect(result.output?["steps"]?[1]?["output"]?["stdout"] == "GOT HELLO; $(ID)/0")
        // Every step went through the gate with the workflow's correlation id.
        let started = fixture.events(.toolStarted).filter { $0.correlationId == "corr-wf" }
        #expect(started.compactMap { $0.payload.json["tool"]?.stringValue } == ["workflow.run.chain", "command.run.emit", "command.run.upper"])
        await fixture.engine.shutdown()
    }

    @Test func stopEndsAtTheFailingStepAndNamesIt() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        commands(tree)
        tree.write(
            ".jido/workflows/halt.md",
            workflow(
                "halt", onError: "stop",
                steps: "  - {id: one, command: emit, args: {text: a}}\n  - {id: two, command: fail}\n  - {id: three, command: emit, args: {text: c}}\n"))
        let project = try await fixture.start(["watcher": false])
        let result = await project.execute(ToolCall(tool: "workflow.run.halt", arguments: ["word": "x"]))
        #expect(result.status == .failed)
        #expect(result.reason == .workflowStepFailed)
        #expect(result.message == "step 'two' failed")
        #expect(result.output?["failed_step"] == "two")
        #expect(result.output?["steps"]?.arrayValue?.count == 2, "step three never ran")
        #expect(result.output?["steps"]?[1]?["output"]?["exit_code"] == 7)
        #expect(fixture.events(.toolFailed).last?.payload.json["failed_step"] == "two")
        await fixture.engine.shutdown()
    }

    @Test func continueRunsTheRestAndListsTheFailures() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        commands(tree)
        tree.write(
            ".jido/workflows/onward.md",
            workflow(
                "onward", onError: "continue",
                steps: "  - {id: one, command: fail}\n  - {id: two, command: emit, args: {text: \"{{steps.one.status}}\"}}\n"))
        let project = try await fixture.start(["watcher": false])
        let result = await project.execute(ToolCall(tool: "workflow.run.onward", arguments: ["word": "x"]))
        #expect(result.status == .completed, "\(result)")
        #expect(result.output?["failed_steps"] == ["one"])
        #expect(result.output?["status"] == "failed")
        #expect(result.output?["steps"]?[1]?["output"]?["stdout"] == "failed")
        await fixture.engine.shutdown()
    }

    @Test func aStepThatTheSchemaRefusesFailsTheWorkflowWithItsReason() async throws {
        let fixture = RuntimeFixture()
        let tree = AssetTree(directory: fixture.directory)
        commands(tree)
        tree.write(
            ".jido/workflows/typed.md",
            workflow("typed", onError: "stop", steps: "  - {id: one, command: upper, args: {text: a, code: \"{{inputs.word}}\"}}\n"))
        let project = try await fixture.start(["watcher": false])
        let result = await project.execute(ToolCall(tool: "workflow.run.typed", arguments: ["word": "not-a-number"]))
        #expect(result.reason == .workflowStepFailed)
        #expect(result.output?["steps"]?[0]?["reason"] == "invalid_arguments")
        await fixture.engine.shutdown()
    }
}
