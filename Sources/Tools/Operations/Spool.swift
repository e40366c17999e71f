import EventStore
import Foundation
public import Projections

/// Backups and exports are logged as events. The command-line tools cannot append while the
/// server runs (one writer per store), so they leave the event in `DATA/spool/`; the server
/// appends spooled events within seconds. With no server running, the tool appends directly.
public enum Spool {
    struct Entry: Codable {
        var tag: UInt16
        var version: UInt16
        var payload: String
    }

    static func directory(_ data: String) -> String { data + "/spool" }

    /// Records an operation event for the store in `data`: directly if nobody writes to it, else
    /// through the spool. Returns how it was recorded.
    @discardableResult
    public static func record(_ event: DomainEvent, data: String) throws -> String {
        if let store = try? LMDBEventStore(.init(directory: data), logger: .quiet) {
            defer { store.close() }
            try store.appendBlocking([NewEvent(stream: Streams.operations, type: event.tag, schemaVersion: event.version,
                                               actor: UserID.system.rawValue, payload: event.encodedPayload())])
            return "logged"
        }
        let folder = directory(data)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let entry = Entry(tag: event.tag, version: event.version, payload: Data(event.encodedPayload()).base64EncodedString())
        let name = "\(Int(Date().timeIntervalSince1970 * 1000))-\(UUID().uuidString).json"
        let temporary = folder + "/." + name
        try JSONEncoder().encode(entry).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, folder + "/" + name) == 0 else { throw OperationError.io("cannot write to \(folder)") }
        return "spooled"
    }

    /// The spooled events, oldest first, with the files that hold them (the server appends each,
    /// then removes its file). Unreadable files are reported, not fatal.
    public static func pending(data: String) -> [(file: String, event: DomainEvent?)] {
        let folder = directory(data)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { !$0.hasPrefix(".") && $0.hasSuffix(".json") }.sorted().map { name in
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                  let entry = try? JSONDecoder().decode(Entry.self, from: data),
                  let payload = Data(base64Encoded: entry.payload),
                  let event = try? DomainEvent.decode(tag: entry.tag, version: entry.version, payload: Array(payload))
            else { return (path, nil) }
            return (path, event)
        }
    }
}

/// Who runs a command-line tool (recorded in backup and export events): the operating-system
/// account of the process — from the password database, not `$USER`, which cron and systemd do
/// not set —, and the person behind `sudo` when there is one: `cli:root (sudo: alice)`.
public var commandLineActor: String {
    let uid = geteuid()
    let account = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(uid)"
    if let sudo = ProcessInfo.processInfo.environment["SUDO_USER"], !sudo.isEmpty, sudo != account {
        return "cli:\(account) (sudo: \(sudo))"
    }
    return "cli:" + account
}
