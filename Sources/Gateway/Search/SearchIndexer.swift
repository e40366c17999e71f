public import EventStore
import Foundation
import Logging
import Projections

/// Folds the log into the search index, behind the views: it reads what the dispatcher has
/// applied, in batches of up to 4,096 events, one SQLite transaction each (the position with
/// them). A fresh index catches up from position 1 while the server answers; a search meanwhile
/// says `indexing`.
struct SearchIndexer {
    let core: ChatCore
    let index: SearchIndex
    static let batch = 4_096
    /// A shared folder's text (its name and every path in it) is capped: its first paths say
    /// what it is, and one folder of 20,000 files must not weigh like 20,000 messages.
    static let maxFolderText = 64 * 1024

    private let writer = DispatchQueue(label: "causerie.search.writer")

    init(core: ChatCore, index: SearchIndex) {
        self.core = core
        self.index = index
    }

    func run() async {
        var next = index.indexed.position + 1
        while !Task.isCancelled {
            await core.waitUntilApplied(next)
            if Task.isCancelled { return }
            // A few posts at a time make a commit each, and each commit a new FTS5 segment to merge
            // later: gather what arrives in the next 50 ms into one, unless a backlog is there.
            if core.position < next + 64 { try? await Task.sleep(for: .milliseconds(50)) }
            do {
                next = try await indexBatch(from: next)
            } catch {
                // A full disk, most likely: nothing is lost (the log has it all), the index lags.
                core.logger.error("search index not updated; retrying in 5 s", metadata: [
                    "search.position": "\(next)", "error": "\(error)",
                ])
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    /// Indexes what follows `next`; returns the position to go on from.
    func indexBatch(from next: UInt64) async throws -> UInt64 {
        let records = try await core.store.read(from: next, limit: Self.batch)
        guard let last = records.last else { return next }
        var changes: [SearchChange] = []
        for record in records {
            // An event this build cannot read is no text of ours (the views skip it too).
            guard let stored = try? ChatCore.decode(record) else { continue }
            changes.append(contentsOf: Self.changes(for: stored))
        }
        let index = self.index
        let batch = changes
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.async {
                do {
                    try index.write(batch, through: last.position)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        return last.position + 1
    }

    /// What one event changes in the index: messages, files and shared folders of rooms and
    /// conversations. Personal and public file areas are the file server's, listed there
    /// (docs/search.md); Announcements are each user's own and not searched.
    static func changes(for stored: StoredEvent) -> [SearchChange] {
        let id = Int64(truncatingIfNeeded: stored.position)
        switch stored.event {
        case .messagePosted(let e):
            guard let room = stored.room, room != .announcements else { return [] }
            return [.add(.init(
                id: id, room: room.rawValue, author: stored.actor.rawValue, time: stored.timestamp, kind: .message,
                flags: flags(of: e.text), body: SearchFolding.fold(e.text), mentions: e.mentions.map(\.rawValue)))]
        case .messageEdited(let e):
            return [.edit(Int64(truncatingIfNeeded: e.message), body: SearchFolding.fold(e.text), flags: flags(of: e.text),
                          mentions: e.mentions.map(\.rawValue))]
        case .messageDeleted(let e):
            return [.remove(Int64(truncatingIfNeeded: e.message))]
        case .fileUploaded(let e):
            var changes: [SearchChange] = []
            if let replaced = e.replaces { changes.append(.removeFile(replaced.rawValue)) }
            guard case .room(let room) = e.area else { return changes }
            changes.append(.add(.init(
                id: id, room: room.rawValue, author: stored.actor.rawValue, time: stored.timestamp, kind: .file,
                flags: [], body: SearchFolding.fold(fileText(folder: e.folder, name: e.name)), file: e.file.rawValue, label: e.name)))
            return changes
        case .folderShared(let e):
            guard case .room(let room) = e.area else { return [] }
            var text = e.name
            for entry in e.entries {
                guard text.utf8.count + entry.path.utf8.count < maxFolderText else { break }
                text += "\n" + entry.path
            }
            return [.add(.init(
                id: id, room: room.rawValue, author: stored.actor.rawValue, time: stored.timestamp, kind: .folder,
                flags: [], body: SearchFolding.fold(text), label: e.name))]
        case .fileRenamed(let e):
            return [.renameFile(e.file.rawValue, body: SearchFolding.fold(e.name), label: e.name)]
        case .fileMoved(let e):
            guard case .room(let room) = e.area else { return [.removeFile(e.file.rawValue)] }
            return [.moveFile(e.file.rawValue, room: room.rawValue)]
        case .fileDeleted(let e):
            return [.removeFile(e.file.rawValue)]
        default:
            return []
        }
    }

    /// A file is found by its name and by the folder it was put in (`specs/db.json`).
    static func fileText(folder: String, name: String) -> String {
        folder.isEmpty ? name : folder + " " + name
    }

    static func flags(of text: String) -> SearchIndex.Flags {
        let lowered = text.lowercased()
        return ["http://", "https://", "www."].contains(where: { lowered.contains($0) }) ? .link : []
    }
}

/// `causerie search rebuild`: the index folded again from the whole log, offline, into a new
/// file that replaces the old one only once complete (a server started meanwhile keeps the old).
public enum SearchIndexRebuild {
    public struct Report: Sendable, Encodable {
        public var events: UInt64
        public var items: Int64
        public var seconds: Double
        public var bytes: UInt64
    }

    public static func run(log: any EventLog, logID: String, dataDirectory: String) async throws -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        let scratch = dataDirectory + "/search.rebuild"
        try? FileManager.default.removeItem(atPath: scratch)
        let index = SearchIndex(directory: scratch)
        let head = try await log.head().position
        _ = try index.open(logID: logID, head: head)
        try index.bulkLoad()
        var next: UInt64 = 1
        var events: UInt64 = 0
        while next <= head {
            // Larger transactions than live indexing's: a rebuild has nobody waiting on it.
            let records = try await log.read(from: next, limit: 8 * SearchIndexer.batch)
            guard let last = records.last else { break }
            var changes: [SearchChange] = []
            for record in records {
                guard let stored = try? ChatCore.decode(record) else { continue }
                changes.append(contentsOf: SearchIndexer.changes(for: stored))
            }
            try index.write(changes, through: last.position)
            events += UInt64(records.count)
            next = last.position + 1
        }
        let items = try index.itemCount()
        try index.checkpoint()
        index.close()
        let target = SearchIndex(directory: dataDirectory + "/search")
        try FileManager.default.createDirectory(atPath: dataDirectory + "/search", withIntermediateDirectories: true)
        try target.removeFiles()
        try FileManager.default.moveItem(atPath: index.path, toPath: target.path)
        try? FileManager.default.removeItem(atPath: scratch)
        return Report(events: events, items: items, seconds: (clock.now - start).seconds, bytes: target.bytesOnDisk)
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
