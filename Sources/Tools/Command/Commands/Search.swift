import ArgumentParser
import EventStore
import Foundation
import Gateway
import Operations

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look after the search index (a view of the log, kept in <data>/search).",
        subcommands: [SearchRebuild.self])
}

struct SearchRebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Fold the search index again from the whole log.",
        discussion: """
            The index is a projection: nothing in it is not in the log. It is rebuilt by itself after an \
            upgrade that changes it, after a restore, or when its file is damaged; this command rebuilds it on \
            demand, into a new file that replaces the old one once complete. Stop the server first (a server \
            running meanwhile keeps the index it opened until it restarts).
            """)

    @Option(name: .long, help: "The data directory (default ./data).") var data: String = "./data"
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.") var json = false

    func run() async throws {
        guard FileManager.default.fileExists(atPath: data + "/data.mdb") else {
            throw ValidationError("no store in \(data) (give --data)")
        }
        let store = try LMDBEventStore(.init(directory: data, readOnly: true), logger: .quiet)
        defer { store.close() }
        let report = try await SearchIndexRebuild.run(log: store, logID: store.storeID, dataDirectory: data)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("search index rebuilt: \(report.items) items from \(report.events) events in "
                  + String(format: "%.1f s", report.seconds) + ", \(report.bytes / 1024) KiB")
        }
    }
}
