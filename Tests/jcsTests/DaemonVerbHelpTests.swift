import ArgumentParser
import Testing

@testable import JCSCLI

/// Every verb that talks to the daemon documents itself with an example and the shared flags.
struct DaemonVerbHelpTests {
    static let verbs: [any ParsableCommand.Type] = [
        ServeCommand.self, ProjectCommand.Start.self, ProjectCommand.Stop.self, ProjectCommand.List.self,
        ConversationCommand.Start.self, ConversationCommand.Stop.self, ConversationCommand.Send.self,
        ConversationCommand.List.self, ConversationCommand.Show.self,
        ToolsCommand.self, ToolCommand.Run.self, ToolCommand.Cancel.self, AssetsCommand.self, ReloadAssetsCommand.self,
        DiagnosticsCommand.self, IncidentCommand.self, AlertsCommand.self, EventsCommand.self, MCPCommand.self,
    ]

    @Test(arguments: 0..<verbs.count)
    func helpHasAnExample(_ index: Int) {
        let help = JCS.helpMessage(for: Self.verbs[index], columns: 100)
        #expect(help.contains("EXAMPLE"), "\(Self.verbs[index])")
        #expect(help.contains("jcs "), "\(Self.verbs[index])")
    }

    @Test(arguments: 1..<verbs.count)
    func daemonVerbsTakeSocketAndJSON(_ index: Int) {
        let help = JCS.helpMessage(for: Self.verbs[index], columns: 100)
        #expect(help.contains("--socket"))
        // `jcs mcp` speaks JSON-RPC on stdout and nothing else: it has no human form to switch from.
        if ObjectIdentifier(Self.verbs[index]) != ObjectIdentifier(MCPCommand.self) { #expect(help.contains("--json")) }
    }

    @Test func requestTargetsKeepEachIdOneSegment() {
        #expect(RequestTarget.path("v1", "projects", "a/b c") == "/v1/projects/a%2Fb%20c")
        #expect(RequestTarget.path("v1", "alerts", query: [("project", "p?1"), ("limit", nil)]) == "/v1/alerts?project=p%3F1")
    }
}
