import ArgumentParser

/// `jcs profile`: the commands that work on sandbox profiles.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Work with sandbox profiles.",
        subcommands: [ProfileCheck.self]
    )
}
