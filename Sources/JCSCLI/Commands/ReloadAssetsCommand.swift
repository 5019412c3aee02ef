import ArgumentParser

/// `jcs reload-assets PROJECT`.
struct ReloadAssetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload-assets",
        abstract: "Read a project's .jido/ again now, whatever its watcher saw.",
        discussion: """
            The runbook's recovery step after fixing invalid assets. Prints the outcome, the counts per \
            type and each file's error; with strict_asset_loading a rejected reload keeps the previous \
            assets.

            EXAMPLE
              jcs reload-assets app --json
            """
    )

    @Argument(help: "The project's id.") var project: String
    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try DaemonRequest(options: daemon).run("POST", RequestTarget.path("v1", "projects", project, "assets", "reload"))
    }
}
