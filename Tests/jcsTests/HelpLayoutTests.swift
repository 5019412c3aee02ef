import ArgumentParser
import Testing

@testable import JCSCLI

/// Issue 13, item 11: help read at 80 columns. Examples are copied and pasted, so none may wrap
/// mid-command; EXIT STATUS tables keep their indent; every verb has an example.
struct HelpLayoutTests {
    /// Every command of the tree, the root included.
    static let commands: [any ParsableCommand.Type] = {
        var all: [any ParsableCommand.Type] = []
        func walk(_ command: any ParsableCommand.Type) {
            all.append(command)
            command.configuration.subcommands.forEach(walk)
        }
        walk(JCS.self)
        return all
    }()

    @Test(arguments: 0..<commands.count)
    func examplesAndExitStatusesSurviveEightyColumns(_ index: Int) {
        let command = Self.commands[index]
        let help = JCS.helpMessage(for: command, columns: 80)
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // ArgumentParser prints the USAGE synopsis on one line whatever the width.
        for line in lines where !line.hasPrefix("USAGE:") {
            #expect(line.count <= 80, "\(command): over 80 columns: \(line)")
        }
        // Each example line of the source text appears whole, on one line of the help.
        let discussion = command.configuration.discussion
        for example in discussion.split(separator: "\n").map(String.init) where example.hasPrefix("  jcs ") {
            let text = example.trimmingPrefixSpaces
            #expect(lines.contains { $0.trimmingPrefixSpaces == text }, "\(command): example wrapped: \(text)")
        }
        // After an EXIT STATUS heading, every line up to the next blank one stays indented.
        if let heading = lines.firstIndex(where: { $0.trimmingPrefixSpaces == "EXIT STATUS" }) {
            let indent = lines[heading].prefix { $0 == " " }.count
            for line in lines[(heading + 1)...].prefix(while: { !$0.isEmpty }) {
                #expect(line.prefix { $0 == " " }.count > indent, "\(command): EXIT STATUS line lost its indent: \(line)")
            }
        }
    }

    @Test func sandboxAndProfileHelpHaveExamples() {
        for command in [SandboxCommand.self, ProfileCommand.self] as [any ParsableCommand.Type] {
            #expect(JCS.helpMessage(for: command, columns: 80).contains("EXAMPLE"), "\(command)")
        }
    }

    @Test func mistypedVerbsGetADidYouMean() {
        #expect(JCS.unknownVerb(["projcet", "list"])?.contains("Did you mean 'jcs project'?") == true)
        #expect(JCS.unknownVerb(["project", "strat", "x"])?.contains("Did you mean 'jcs project start'?") == true)
        #expect(JCS.unknownVerb(["project", "start", "x"]) == nil)
        #expect(JCS.unknownVerb(["tools", "app"]) == nil)
        #expect(JCS.unknownVerb(["--help"]) == nil)
    }

    @Test func toolRunExitStatusesFollowTheResult() {
        #expect(ToolRunExit.status(of: ["status": "completed", "output": ["exit_code": 3, "signal": nil]]) == 3)
        #expect(ToolRunExit.status(of: ["status": "completed", "output": ["exit_code": nil, "signal": 9]]) == 137)
        #expect(ToolRunExit.status(of: ["status": "completed", "output": ["content": "x"]]) == 0)
        #expect(ToolRunExit.status(of: ["status": "timeout", "reason": "timeout"]) == 124)
        #expect(ToolRunExit.status(of: ["status": "cancelled", "reason": "cancelled"]) == 130)
        #expect(ToolRunExit.status(of: ["status": "failed", "reason": "policy_denied"]) == 77)
        #expect(ToolRunExit.status(of: ["status": "failed", "reason": "invalid_arguments"]) == 65)
        #expect(ToolRunExit.status(of: ["status": "failed", "reason": "unknown_tool"]) == 65)
        #expect(ToolRunExit.status(of: ["status": "failed", "reason": "not_found"]) == 66)
        #expect(ToolRunExit.status(of: ["status": "failed", "reason": "max_concurrency_reached"]) == 69)
        #expect(ToolRunExit.status(of: ["status": "failed", "reason": "exec_failed", "output": ["exit_code": 126]]) == 126)
        #expect(ToolRunExit.status(of: ["status": "failed", "reason": "worker_crashed"]) == 125)
    }
}

extension String {
    fileprivate var trimmingPrefixSpaces: String { String(drop { $0 == " " }) }
}
