import ArgumentParser
import EventStore
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open the event log and serve the office chat.")

    @Option(name: .long, help: "The data directory holding the event log.")
    var data: String = "./data"

    func run() async throws {
        let logger = Logger(label: "causerie")
        let store = try LMDBEventStore(.init(directory: data), logger: logger)
        defer { store.close() }
        let head = try store.currentHead()
        print("log open in \(data): head position \(head.position), hash \(head.hash.hex)")
    }
}
