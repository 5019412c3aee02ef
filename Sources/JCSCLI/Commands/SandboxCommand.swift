import ArgumentParser

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run commands in a sandbox without a daemon.",
        discussion: """
            `jcs sandbox run` runs one command in a fresh sandbox on the current directory and reports \
            every violation; see `jcs sandbox run --help` for the profile, limits and exit statuses.

            EXAMPLES
              jcs sandbox run -- sh -c 'echo hello > note.txt; cat note.txt'
              jcs sandbox run --profile strict --json -- curl -sS https://example.com
            """,
        subcommands: [SandboxRunCommand.self]
    )
}
