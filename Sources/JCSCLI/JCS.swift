import ArgumentParser

/// `jcs`: the Jido.Code.Server command line. `serve` runs the daemon; the project, conversation,
/// tool, asset and telemetry verbs talk to it over its Unix socket; the sandbox, profile and
/// doctor commands work on their own.
public struct JCS: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "jcs",
        abstract: "Jido.Code.Server: run coding-assistant tools in kernel-enforced sandboxes.",
        discussion: """
            Every command takes --help. Commands that print data take --json for scripts.

            EXIT STATUS
              0      success
              1      the command's check failed (e.g. an invalid profile); for the
                     daemon verbs: the daemon refused the request (its {"error",
                     "message"} is printed)
              3      the daemon is unreachable (start one with `jcs serve`)
              64     usage error (with --json: {"error": "usage", "message"})
              124    sandbox run, tool run: the command timed out
              125    sandbox run: the sandbox could not be set up; tool run: the
                     call failed
              126    sandbox run, tool run: the command is not executable
              127    sandbox run, tool run: the command was not found
              128+N  sandbox run, tool run: signal N killed the command
              `jcs tool run --help` lists the statuses of refused calls (65, 66, 69,
              77) and of a cancelled one (130).
            """,
        version: "0.1.0",
        subcommands: [
            SandboxCommand.self, ProfileCommand.self, DoctorCommand.self, ServeCommand.self, ProjectCommand.self,
            ConversationCommand.self, ToolsCommand.self, ToolCommand.self, AssetsCommand.self,
            ReloadAssetsCommand.self, DiagnosticsCommand.self, IncidentCommand.self, AlertsCommand.self,
            EventsCommand.self, MCPCommand.self,
        ]
    )

    public init() {}
}
