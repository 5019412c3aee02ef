import Testing

@testable import CodeServer
import Sandbox

struct ToolRuleTests {
    @Test func emptyAllowListAllowsEveryTool() {
        #expect(ToolRule(allow: [], deny: []).check(tool: "shell.run").isEmpty)
    }

    @Test func allowGlobLimitsTools() {
        let rule = ToolRule(allow: [Glob("fs.*"), Glob("asset.get")], deny: [])
        #expect(rule.check(tool: "fs.read").isEmpty)
        #expect(rule.check(tool: "asset.get").isEmpty)
        #expect(rule.check(tool: "shell.run").map(\.code) == [.toolNotAllowed])
    }

    @Test func denyBeatsAllow() {
        let rule = ToolRule(allow: [Glob("fs.*")], deny: [Glob("fs.write")])
        let findings = rule.check(tool: "fs.write")
        #expect(findings.map(\.code) == [.toolDenied])
        #expect(findings.first?.evidence["entry"] == "fs.write")
        #expect(rule.check(tool: "fs.read").isEmpty)
    }

    @Test func denyGlobCoversAFamily() {
        let rule = ToolRule(allow: [], deny: [Glob("workflow.run.*")])
        #expect(rule.check(tool: "workflow.run.release").map(\.code) == [.toolDenied])
        #expect(rule.check(tool: "command.run.release").isEmpty)
    }
}
