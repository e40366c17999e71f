public import ArgumentParser
import EventStore
import Foundation
import Operations
import Projections

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export conversations of a date range for compliance: JSON Lines, CSV or readable HTML.",
        discussion: """
            Every message, edit, deletion and membership change in [--from, --to), with authors, times (ISO 8601 \
            with the offset stated) and room names as they were at that moment. --room and --user filter (repeat \
            them); a user's direct conversations are included with them. With --out FILE a manifest is written to \
            FILE.manifest.json (range, filters, count, the chain head and anchor, the file's SHA-256); without, the \
            export goes to standard output and the manifest to standard error. The export is logged.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Start of the range (inclusive).") var from: String
    @Option(help: "End of the range (exclusive).") var to: String
    @Option(help: "Only this room (id or name; repeat).") var room: [String] = []
    @Option(help: "Only what concerns this user (name or id; repeat).") var user: [String] = []
    @Option(help: "jsonl, csv or html.") var format: Exports.Format = .jsonl
    @Option(help: "Write to this file (and FILE.manifest.json).") var out: String?
    @Option(name: .customLong("time-zone"), help: "Time zone of dates read and times written (default: this machine's).")
    var timeZoneName: String?
    @Flag(name: .long, help: "Print the manifest as JSON.") var json = false
    @Flag(name: .customLong("with-files"), help: "With --out FILE: the contents of the files the export lists, in FILE.files/<sha256>.")
    var withFiles = false

    func run() throws {
        let zone = try timeZoneName.map { name -> TimeZone in
            guard let zone = TimeZone(identifier: name) else { throw ValidationError("unknown time zone \(name)") }
            return zone
        } ?? .current
        if withFiles && out == nil { throw ValidationError("--with-files needs --out FILE (the contents go in FILE.files/)") }
        let (log, directory, cleanup) = try store.openWithDirectory()
        defer { cleanup() }
        // Names on the command line, resolved against the log as it is now.
        let names = try Replay(log, through: .max)
        let rooms = try room.map { value -> RoomID in
            if names.state.rooms[RoomID(value)] != nil { return RoomID(value) }
            guard let id = names.state.rooms.byKey[Names.key(value)] else { throw ValidationError("no room \(value)") }
            return id
        }
        let users = try user.map { value -> UserID in
            guard let account = names.state.accounts[UserID(value)] ?? names.state.accounts.user(named: value) else {
                throw ValidationError("no user \(value)")
            }
            return account.id
        }
        let request = Exports.Request(
            from: try parseDate(from, zone, option: "--from"), to: try parseDate(to, zone, option: "--to"), rooms: rooms,
            users: users, format: format, timeZone: zone)
        let handle: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
                throw ValidationError("cannot write \(out)")
            }
            handle = file
        } else {
            handle = .standardOutput
        }
        let progress = Progress("export")
        var named: Set<String> = []
        let manifest: ExportManifest
        do {
            manifest = try Exports.run(log, request, into: { try handle.write(contentsOf: Data($0)) },
                                       progress: { progress.update($0) }, onFile: { named.insert($0) })
        } catch {
            progress.done()
            fail("\(error)")
        }
        progress.done()
        if out != nil { try handle.synchronize(); try handle.close() }
        if withFiles, let out { try Self.copyContents(named, from: directory + "/blobs", to: out + ".files") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifestJSON = try encoder.encode(manifest)
        if let out {
            try manifestJSON.write(to: URL(fileURLWithPath: out + ".manifest.json"))
        } else {
            FileHandle.standardError.write(manifestJSON + Data("\n".utf8))
        }
        if store.backup.isEmpty {
            try Spool.record(.exportTaken(.init(
                format: format.rawValue, from: manifest.from, to: manifest.to, rooms: manifest.rooms, users: manifest.users,
                count: manifest.count, headPosition: manifest.head.position, sha256: manifest.sha256, by: commandLineActor)),
                data: store.data)
        }
        if let out {
            if json {
                print(String(decoding: manifestJSON, as: UTF8.self))
            } else {
                print("\(manifest.count) events exported to \(out) (\(manifest.bytes) bytes)")
                print("manifest: \(out).manifest.json, sha256 \(manifest.sha256)")
            }
        }
    }
}

extension Exports.Format: ExpressibleByArgument {}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Show a room, a person or a board as it was at a past moment (date or position).",
        discussion: """
            Rebuilds the views from the log up to that moment. "Who could read room R on date D?": \
            causerie replay --until D --room R (its members then).
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "A date-time (2026-11-24T14:30) or a log position.") var until: String
    @Option(help: "A room, by id or name.") var room: String?
    @Option(help: "A person, by id or user name.") var user: String?
    @Option(help: "A Kanban board.") var board: String?
    @Option(help: "How many of the room's last messages to show.") var messages: Int = 10

    func validate() throws {
        if [room, user, board].compactMap({ $0 }).count > 1 { throw ValidationError("give one of --room, --user, --board") }
    }

    func run() throws {
        let zone = try output.timeZone
        let (log, cleanup) = try store.open()
        defer { cleanup() }
        let position: UInt64 = switch try Moment(until, timeZone: zone) {
        case .position(let position): position
        case .date(let date): try Replay.position(atOrBefore: date, in: log)
        }
        let progress = Progress("replay")
        let replay = try Replay(log, through: position) { progress.update($0) }
        progress.done()
        if let board {
            let report = try replay.board(board, timeZone: zone)
            if output.json { return try output.print(json: report) }
            print("board \(report.title) (\(report.board)) at position \(report.position)\(report.time.map { ", \($0)" } ?? "")"
                + (report.archived ? ", archived" : ""))
            print("members: " + report.members.map { "\($0.username) [\($0.role)]" }.joined(separator: ", "))
            for stage in report.stages {
                let limit = stage.wipLimit > 0 ? " (limit \(stage.wipLimit))" : ""
                print("\(stage.name)\(stage.done ? " ✓" : "")\(limit): \(stage.cards.count) card\(stage.cards.count == 1 ? "" : "s")")
                for card in stage.cards {
                    var details: [String] = []
                    if report.lanes.count > 1 { details.append(card.lane) }
                    if !card.assignees.isEmpty { details.append(card.assignees.map { "@" + $0 }.joined(separator: " ")) }
                    if let deadline = card.deadline { details.append("due " + deadline) }
                    if card.priority != "none" { details.append(card.priority) }
                    if !card.labels.isEmpty { details.append(card.labels.joined(separator: ", ")) }
                    if let checklist = card.checklist { details.append("☑ " + checklist) }
                    print("  - \(card.title)" + (details.isEmpty ? "" : "  [" + details.joined(separator: "; ") + "]"))
                }
            }
            if report.archivedCards > 0 { print("(\(report.archivedCards) archived)") }
            return
        }
        if let room {
            let report = try replay.room(room, messages: messages, timeZone: zone)
            if output.json { return try output.print(json: report) }
            print("room \(report.name) (\(report.room)) at position \(report.position)\(report.time.map { ", \($0)" } ?? "")")
            print("topic: \(report.topic)")
            print("\(report.visibility)\(report.passwordProtected ? ", password" : "")\(report.nonLeavable ? ", non-leavable" : "")"
                + "\(report.autoJoin ? ", auto-join" : "")\(report.archived ? ", archived" : "")")
            print("could read it (\(report.members.count)): " + report.members.map { "\($0.username) [\($0.role)]" }.joined(separator: ", "))
            if !report.banned.isEmpty { print("banned: " + report.banned.joined(separator: ", ")) }
            print("last messages:")
            for message in report.lastMessages {
                let text = message.deleted ? "(deleted)" : (message.text ?? "") + (message.edited ? " (edited)" : "")
                print("  \(message.time)  #\(message.position)  \(message.author): \(text)")
            }
        } else if let user {
            let report = try replay.user(user, timeZone: zone)
            if output.json { return try output.print(json: report) }
            print("user \(report.username) (\(report.user)) at position \(report.position)\(report.time.map { ", \($0)" } ?? "")")
            print("display name: \(report.displayName); e-mail: \(report.email); department: \(report.department)")
            print("disabled: \(report.disabled); groups: \(report.groups.joined(separator: ", "))")
            print("rights: \(report.permissions.joined(separator: ", "))")
            print("rooms: \(report.rooms.joined(separator: ", "))")
        } else {
            let report = replay.server(timeZone: zone)
            if output.json { return try output.print(json: report) }
            print("\(report.serverName) at position \(report.position)\(report.time.map { ", \($0)" } ?? "")")
            print("\(report.users) users, \(report.rooms) rooms; registration \(report.registrationOpen ? "open" : "closed")")
            for (group, permissions) in report.groups.sorted(by: { $0.key < $1.key }) {
                print("group \(group): \(permissions.joined(separator: ", "))")
            }
        }
    }

}

extension Export {
    /// Each content the export names, as `<sha256>` (the rows' `fileSHA256`), rehashed as it is
    /// written so that a copy is known to be the content the log names.
    static func copyContents(_ hashes: Set<String>, from blobsDirectory: String, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let blobs = try FileBlobStore(directory: blobsDirectory)
        var bytes: UInt64 = 0
        for sha in hashes.sorted() {
            let reader = try blobs.open(sha)
            defer { reader.close() }
            let path = directory + "/" + sha
            guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
                throw ValidationError("cannot write \(path)")
            }
            var hashing = SHA256Hasher()
            var offset: UInt64 = 0
            while offset < reader.size {
                let chunk = try reader.read(at: offset, count: Int(min(UInt64(1 << 20), reader.size - offset)))
                guard !chunk.isEmpty else { break }
                hashing.update(chunk)
                try file.write(contentsOf: Data(chunk))
                offset += UInt64(chunk.count)
            }
            try file.synchronize()
            try file.close()
            guard hashing.finalize() == sha else { fail("the content \(sha) is altered on disk (run causerie audit verify)") }
            bytes += offset
        }
        FileHandle.standardError.write(Data("export: \(hashes.count) file contents (\(bytes) bytes) in \(directory)\n".utf8))
    }
}
