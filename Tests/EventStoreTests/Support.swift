import EventStore
import Foundation
import Logging

/// Tests log warnings and errors only.
let quiet: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
}()

/// A fresh directory under /tmp, removed when the test ends (`defer { dir.remove() }`).
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "store") {
        let template = NSTemporaryDirectory() + "causerie-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func store(_ change: (inout LMDBEventStore.Configuration) -> Void = { _ in }) throws -> LMDBEventStore {
        var configuration = LMDBEventStore.Configuration(directory: path, initialMapSize: 1 << 22)
        change(&configuration)
        return try LMDBEventStore(configuration, logger: quiet)
    }
}

func event(_ stream: String, _ text: String, type: UInt16 = 1, actor: String = "alice") -> NewEvent {
    NewEvent(stream: stream, type: type, actor: actor, payload: Array(text.utf8))
}

extension RecordedEvent {
    var text: String { String(decoding: payload, as: UTF8.self) }
}

/// Runs `body` and returns the EventStoreError it throws, nil if it throws none.
func storeError(_ body: () async throws -> Void) async -> EventStoreError? {
    do {
        try await body()
        return nil
    } catch let error as EventStoreError {
        return error
    } catch {
        return EventStoreError(.io, "unexpected error \(error)")
    }
}
