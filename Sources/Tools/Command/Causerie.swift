import ArgumentParser

@main
struct Causerie: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causerie",
        abstract: "A self-hosted chat server for an office's local network.",
        version: "0.1.0",
        subcommands: [Serve.self, ReplayCommand.self, Audit.self, Backup.self, Restore.self, Export.self],
        defaultSubcommand: Serve.self
    )
}
