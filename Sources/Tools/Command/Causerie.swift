import ArgumentParser
import Foundation

@main
struct Causerie: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causerie",
        abstract: "A self-hosted chat server for an office's local network.",
        version: "0.1.0",
        subcommands: [Serve.self, ReplayCommand.self, Audit.self, Backup.self, Restore.self, Export.self, Search.self, Discover.self],
        defaultSubcommand: Serve.self
    )

    /// Everything the server and the tools write — the store, backups, restores, exports, the
    /// spool — is readable by its owner and group only, whatever the caller's umask (a restored
    /// `data.mdb` was once 0644): files 0640, directories 0750.
    static func main() async {
        umask(0o027)
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
