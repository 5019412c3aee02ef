import ArgumentParser

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run commands in a sandbox without a daemon.",
        subcommands: [SandboxRunCommand.self]
    )
}
