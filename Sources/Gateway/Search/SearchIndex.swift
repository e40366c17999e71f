import CSQLite
import Foundation
import Projections
import Synchronization

/// The search index on disk: an SQLite database beside the log (`<data>/search/index.sqlite`),
/// a projection like every view — folded from the log, thrown away and rebuilt at will
/// (docs/search.md, ADR 016).
///
///     meta(key, value)            schema version; the last log position indexed
///     items(id = log position, room, author, time, kind, flags, file, label)
///     words   FTS5, unicode61: the folded text (whole words, prefixes, phrases) and the item's
///             scope tokens (room, author, mentions, file, link: SearchScopeTokens), so that
///             rights and operators are intersected inside the index, never row by row

///     grams   FTS5 trigram, contentless (infix: `*board`)
///
/// One writer (the indexer's queue) and a few readers (WAL: readers never wait for it).
final class SearchIndex: Sendable {
    /// Bumped whenever the tables or the folding change: a different one is rebuilt from the log.
    static let schemaVersion = "2"

    enum Kind: Int64 {
        case message = 0
        case file = 1
        case folder = 2
    }

    struct Flags: OptionSet {
        let rawValue: Int64
        static let link = Flags(rawValue: 1)
    }

    /// Pages read through a memory map, not `pread` into a copy (a third of a search's time was
    /// the kernel copying pages: docs/benchmarks.md, search); 32 MiB of page cache per connection.
    static let readerPragmas = "PRAGMA mmap_size=4294967296; PRAGMA cache_size=-32768"

    let path: String
    private let writer: Mutex<SQLiteConnection?> = Mutex(nil)
    private let readers: [ReaderSlot]
    private let nextReader = Atomic<Int>(0)
    /// The last log position the index holds.
    let indexed = AppliedPosition()

    init(directory: String, readers: Int = 4) {
        path = directory + "/index.sqlite"
        self.readers = (0..<max(1, readers)).map { ReaderSlot(number: $0) }
    }

    // MARK: Opening

    /// Opens (creating or, on a schema mismatch or a corrupt file, recreating) the index of the
    /// log `logID` whose last position is `head`; returns the last position it holds (0: empty,
    /// index from the start). An index of another log (a restore) or ahead of this one is rebuilt.
    func open(logID: String, head: UInt64) throws -> UInt64 {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            return try openExisting(logID: logID, head: head)
        } catch {
            // A projection: what cannot be read is rebuilt from the log, never repaired.
            try removeFiles()
            return try openExisting(logID: logID, head: head)
        }
    }

    private func openExisting(logID: String, head: UInt64) throws -> UInt64 {
        let connection = try SQLiteConnection(path: path)
        // journal_size_limit: the write-ahead log is cut back to 64 MiB whenever it restarts.
        try connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
            + "PRAGMA journal_size_limit=67108864; PRAGMA busy_timeout=200; " + Self.readerPragmas)
        try connection.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        let version = try Self.meta("schema", connection)
        if version != nil && version != Self.schemaVersion {
            throw SQLiteConnection.Failure(code: SQLITE_SCHEMA, message: "search index schema \(version ?? "") is not \(Self.schemaVersion)")
        }
        if version == nil { try Self.create(connection, logID: logID) }
        let position = UInt64(try Self.meta("position", connection) ?? "0") ?? 0
        guard try Self.meta("log", connection) == logID, position <= head else {
            throw SQLiteConnection.Failure(code: SQLITE_SCHEMA, message: "search index of another log")
        }
        writer.withLock { $0 = connection }
        indexed.reset(to: position)
        return position
    }

    private static func create(_ db: SQLiteConnection, logID: String) throws {
        try db.transaction {
            try db.execute("""
                CREATE TABLE items(
                    id INTEGER PRIMARY KEY, room TEXT NOT NULL, author TEXT NOT NULL, time INTEGER NOT NULL,
                    kind INTEGER NOT NULL, flags INTEGER NOT NULL, file TEXT, label TEXT);
                CREATE INDEX items_room ON items(room, id);
                CREATE INDEX items_file ON items(file) WHERE file IS NOT NULL;
                CREATE VIRTUAL TABLE words USING fts5(body, scope, prefix='2 3',
                    tokenize="unicode61 remove_diacritics 0 categories 'L* N* Co M*'");
                CREATE VIRTUAL TABLE grams USING fts5(body, content='', tokenize='trigram');
                INSERT INTO meta VALUES('schema', '\(schemaVersion)'), ('position', '0');
                """)
            let insert = try db.statement("INSERT INTO meta VALUES('log', ?)", cached: false)
            try insert.bind(1, logID)
            try insert.run()
        }
    }

    private static func meta(_ key: String, _ db: SQLiteConnection) throws -> String? {
        let statement = try db.statement("SELECT value FROM meta WHERE key = ?", cached: false)
        try statement.bind(1, key)
        return try statement.step() ? statement.text(0) : nil
    }

    func close() {
        writer.withLock { $0 = nil }
        for slot in readers { slot.close() }
    }

    /// Deletes the index's files (a rebuild starts from nothing).
    func removeFiles() throws {
        close()
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.removeItem(atPath: path + suffix)
        }
    }

    // MARK: Writing

    /// A rebuild's scratch index: nothing needs to survive a crash (a rebuild starts over), so
    /// commits skip the fsync and a large page cache keeps FTS5's segment merges in memory.
    func bulkLoad() throws {
        try writer.withLock { connection in try connection?.execute("PRAGMA synchronous=OFF; PRAGMA cache_size=-262144") }
        fresh = true
    }

    /// Set in a rebuild: every item is new, so adding one need not look for an older copy first.
    private var fresh: Bool {
        get { freshness.withLock { $0 } }
        set { freshness.withLock { $0 = newValue } }
    }
    private let freshness = Mutex(false)

    /// Applies a batch of changes and records `position` in the same transaction: after a crash
    /// the index holds a batch wholly or not at all, and resumes after the last it holds.
    func write(_ changes: [SearchChange], through position: UInt64) throws {
        let fresh = self.fresh
        try writer.withLock { connection in
            guard let db = connection else { throw SQLiteConnection.Failure(code: SQLITE_MISUSE, message: "search index closed") }
            try db.transaction {
                for change in changes { try Self.apply(change, db, fresh: fresh) }
                let statement = try db.statement("UPDATE meta SET value = ? WHERE key = 'position'")
                try statement.bind(1, String(position))
                try statement.run()
            }
            try restartLogIfDue(db)
        }
        indexed.advance(to: position)
    }

    /// Searches run all the time, and a reader keeps the frames it may read: the automatic
    /// (passive) checkpoints then never let the write-ahead log start over, and FTS5's merges made
    /// it grow by hundreds of megabytes in a minute of posting. Every 30 s the writer waits (at most
    /// `busy_timeout`) for the readers of the moment to finish, so the log starts over.
    private func restartLogIfDue(_ db: SQLiteConnection) throws {
        let now = DispatchTime.now().uptimeNanoseconds
        let due = lastRestart.withLock { last -> Bool in
            guard now - last > 30_000_000_000 else { return false }
            last = now
            return true
        }
        if due { try db.execute("PRAGMA wal_checkpoint(RESTART)") }
    }

    private let lastRestart = Mutex(DispatchTime.now().uptimeNanoseconds)

    private static func apply(_ change: SearchChange, _ db: SQLiteConnection, fresh: Bool) throws {
        switch change {
        case .add(let item):
            if !fresh { try remove(item.id, db) }
            let insert = try db.statement("INSERT INTO items VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
            try insert.bind([.integer(item.id), .text(item.room), .text(item.author), .integer(item.time),
                             .integer(item.kind.rawValue), .integer(item.flags.rawValue)])
            try insert.bind(7, item.file)
            try insert.bind(8, item.label)
            try insert.run()
            try addText(item.id, item.body, scope: SearchScopeTokens.tokens(
                room: item.room, author: item.author, kind: item.kind, flags: item.flags, mentions: item.mentions), db)
        case .edit(let id, let body, let flags, let mentions):
            guard let row = try item(id, db), try removeText(id, db) != nil else { return }  // not indexed
            try addText(id, body, scope: SearchScopeTokens.tokens(
                room: row.room, author: row.author, kind: row.kind, flags: flags, mentions: mentions), db)
            let update = try db.statement("UPDATE items SET flags = ? WHERE id = ?")
            try update.bind([.integer(flags.rawValue), .integer(id)])
            try update.run()
        case .remove(let id):
            try remove(id, db)
        case .renameFile(let file, let body, let label):
            for id in try items(ofFile: file, db) {
                guard let old = try removeText(id, db) else { continue }
                try addText(id, body, scope: old.scope, db)
                let update = try db.statement("UPDATE items SET label = ? WHERE id = ?")
                try update.bind(1, label)
                try update.bind(2, id)
                try update.run()
            }
        case .moveFile(let file, let room):
            for id in try items(ofFile: file, db) {
                guard let row = try item(id, db), let old = try removeText(id, db) else { continue }
                try addText(id, old.body, scope: SearchScopeTokens.tokens(
                    room: room, author: row.author, kind: row.kind, flags: row.flags, mentions: []), db)
                let update = try db.statement("UPDATE items SET room = ? WHERE id = ?")
                try update.bind(1, room)
                try update.bind(2, id)
                try update.run()
            }
        case .removeFile(let file):
            for id in try items(ofFile: file, db) { try remove(id, db) }
        }
    }

    private static func items(ofFile file: String, _ db: SQLiteConnection) throws -> [Int64] {
        let select = try db.statement("SELECT id FROM items WHERE file = ?")
        try select.bind(1, file)
        var ids: [Int64] = []
        while try select.step() { ids.append(select.int(0)) }
        return ids
    }

    private static func item(_ id: Int64, _ db: SQLiteConnection) throws
        -> (room: String, author: String, kind: Kind, flags: Flags)?
    {
        let select = try db.statement("SELECT room, author, kind, flags FROM items WHERE id = ?")
        try select.bind(1, id)
        guard try select.step() else { return nil }
        return (select.text(0) ?? "", select.text(1) ?? "", Kind(rawValue: select.int(2)) ?? .message, Flags(rawValue: select.int(3)))
    }

    private static func addText(_ id: Int64, _ body: String, scope: String, _ db: SQLiteConnection) throws {
        let words = try db.statement("INSERT INTO words(rowid, body, scope) VALUES(?, ?, ?)")
        try words.bind(1, id)
        try words.bind(2, body)
        try words.bind(3, scope)
        try words.run()
        let grams = try db.statement("INSERT INTO grams(rowid, body) VALUES(?, ?)")
        try grams.bind(1, id)
        try grams.bind(2, body)
        try grams.run()
    }

    /// Removes an item's text from both indexes; what it held, nil if it had none.
    private static func removeText(_ id: Int64, _ db: SQLiteConnection) throws -> (body: String, scope: String)? {
        let select = try db.statement("SELECT body, scope FROM words WHERE rowid = ?")
        try select.bind(1, id)
        guard try select.step(), let body = select.text(0) else { return nil }
        let scope = select.text(1) ?? ""
        // A contentless table forgets a row only when told exactly what it held.
        let grams = try db.statement("INSERT INTO grams(grams, rowid, body) VALUES('delete', ?, ?)")
        try grams.bind(1, id)
        try grams.bind(2, body)
        try grams.run()
        let words = try db.statement("DELETE FROM words WHERE rowid = ?")
        try words.bind(1, id)
        try words.run()
        return (body, scope)
    }

    private static func remove(_ id: Int64, _ db: SQLiteConnection) throws {
        guard try removeText(id, db) != nil else { return }
        let statement = try db.statement("DELETE FROM items WHERE id = ?")
        try statement.bind(1, id)
        try statement.run()
    }

    /// Folds the write-ahead log into the database file (before it is moved or measured).
    func checkpoint() throws {
        try writer.withLock { connection in try connection?.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// How many messages, files and folders the index holds.
    func itemCount() throws -> Int64 {
        try writer.withLock { connection in
            guard let db = connection else { return 0 }
            let count = try db.statement("SELECT count(*) FROM items", cached: false)
            return try count.step() ? count.int(0) : 0
        }
    }

    // MARK: Reading

    /// Runs `body` with a reader connection on that reader's own thread (never the caller's:
    /// a search never holds a Swift concurrency thread while SQLite works).
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let slot = readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
        let path = self.path
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async {
                do {
                    continuation.resume(returning: try body(try slot.connection(path)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// The size of the index's files on disk.
    var bytesOnDisk: UInt64 {
        ["", "-wal"].reduce(0) { total, suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            return total + ((attributes?[.size] as? NSNumber)?.uint64Value ?? 0)
        }
    }

    /// One reader: a connection opened on first use, and the serial queue that uses it.
    final class ReaderSlot: @unchecked Sendable {
        let queue: DispatchQueue
        private var opened: SQLiteConnection?

        init(number: Int) {
            queue = DispatchQueue(label: "causerie.search.reader.\(number)")
        }

        /// On `queue` only.
        func connection(_ path: String) throws -> SQLiteConnection {
            if let opened { return opened }
            let connection = try SQLiteConnection(path: path, readOnly: true)
            try connection.execute(SearchIndex.readerPragmas)
            opened = connection
            return connection
        }

        func close() {
            queue.sync { opened = nil }
        }
    }
}

/// One change to the index, folded from one event.
enum SearchChange: Sendable {
    struct Item: Sendable {
        var id: Int64
        var room: String
        var author: String
        var time: Int64
        var kind: SearchIndex.Kind
        var flags: SearchIndex.Flags
        /// Folded text: what the tables hold.
        var body: String
        var mentions: [String] = []
        var file: String?
        /// A file's or folder's name as shown (messages are read back from the log).
        var label: String?
    }

    case add(Item)
    case edit(Int64, body: String, flags: SearchIndex.Flags, mentions: [String])
    case remove(Int64)
    case renameFile(String, body: String, label: String)
    case moveFile(String, room: String)
    case removeFile(String)
}

extension SearchIndex.Flags: Sendable {}

/// What the `scope` column of the word index holds: one token per fact a search filters on.
/// Ids are case-sensitive and the tokenizer folds case, so they are written in hexadecimal
/// (`r` + hex(room), `a` + hex(author), `m` + hex(mentioned user)); `kf` marks files and folders,
/// `hl` links. Queries name scope tokens only inside `scope : (…)`, and user words only inside
/// `body : (…)`: a user who types a token finds nothing by it.
enum SearchScopeTokens {
    static func hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count * 2)
        for byte in text.utf8 {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 15)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func room(_ id: String) -> String { "r" + hex(id) }
    static func author(_ id: String) -> String { "a" + hex(id) }
    static func mention(_ id: String) -> String { "m" + hex(id) }
    static let file = "kf"
    static let link = "hl"

    static func tokens(room: String, author: String, kind: SearchIndex.Kind, flags: SearchIndex.Flags, mentions: [String]) -> String {
        var tokens = [Self.room(room), Self.author(author)]
        if kind != .message { tokens.append(file) }
        if flags.contains(.link) { tokens.append(link) }
        for user in Set(mentions).sorted() { tokens.append(mention(user)) }
        return tokens.joined(separator: " ")
    }
}
