import ArgumentParser

/// `jcs profile`: the commands that work on sandbox profiles.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Work with sandbox profiles.",
        discussion: """
            Profiles are described in docs/profiles.md; the built-in ones are default, strict and \
            build. `jcs profile check` validates a profile file and prints what the host can enforce.

            EXAMPLES
              jcs profile check ./my-profile.json
              jcs profile check strict --json
            """,
        subcommands: [ProfileCheck.self]
    )
}
