import CSQLite
import Foundation

/// The few SQLite calls the search index needs, with errors as values (ADR 016: Debian's
/// libsqlite3 straight, as LMDB is used straight; GRDB would add a query builder the index does
/// not use and minutes to every debug build).
///
/// A connection is used by one thread at a time (the index's writer, or a reader taken from
/// the pool); SQLite is built thread-safe ("serialized") on Debian, and the index never shares a
/// connection between threads at once.
final class SQLiteConnection: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        var description: String { "sqlite \(code): \(message)" }
        /// The statement was stopped by `interrupt()` or the progress handler (a time limit).
        var interrupted: Bool { code == SQLITE_INTERRUPT }
    }

    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String, readOnly: Bool = false) throws(Failure) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw Failure(code: code, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 0)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    func execute(_ sql: String) throws(Failure) {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        guard code == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw Failure(code: code, message: message)
        }
    }

    /// A prepared statement, kept for reuse when `cached` (the writer's few fixed statements).
    func statement(_ sql: String, cached: Bool = true) throws(Failure) -> Statement {
        if cached, let found = statements[sql] {
            sqlite3_reset(found)
            sqlite3_clear_bindings(found)
            return Statement(connection: self, handle: found, owned: false)
        }
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, cached ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw failure(code) }
        if cached { statements[sql] = prepared }
        return Statement(connection: self, handle: prepared, owned: !cached)
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Makes every running statement of this connection fail with SQLITE_INTERRUPT once
    /// `deadline` (a `DispatchTime` uptime in nanoseconds) has passed; 0 removes the limit.
    func limit(until deadline: UInt64) {
        guard deadline > 0 else {
            sqlite3_progress_handler(handle, 0, nil, nil)
            return
        }
        // The deadline travels as the context pointer's value: no allocation, nothing to free.
        sqlite3_progress_handler(handle, 4000, { context in
            let deadline = UInt64(UInt(bitPattern: context))
            return DispatchTime.now().uptimeNanoseconds > deadline ? 1 : 0
        }, UnsafeMutableRawPointer(bitPattern: UInt(deadline)))
    }

    func failure(_ code: Int32) -> Failure {
        Failure(code: code, message: String(cString: sqlite3_errmsg(handle)))
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
}

/// One prepared statement: bind, step, read columns.
struct Statement: ~Copyable {
    let connection: SQLiteConnection
    let handle: OpaquePointer
    let owned: Bool

    deinit {
        if owned { sqlite3_finalize(handle) } else { sqlite3_reset(handle) }
    }

    func bind(_ index: Int32, _ value: Int64) throws(SQLiteConnection.Failure) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ index: Int32, _ value: String) throws(SQLiteConnection.Failure) {
        try check(sqlite3_bind_text(handle, index, value, -1, causerie_sqlite_transient()))
    }

    func bind(_ index: Int32, _ value: String?) throws(SQLiteConnection.Failure) {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try bind(index, value)
    }

    func bind(_ values: [SQLValue], from first: Int32 = 1) throws(SQLiteConnection.Failure) {
        for (offset, value) in values.enumerated() {
            switch value {
            case .integer(let number): try bind(first + Int32(offset), number)
            case .text(let text): try bind(first + Int32(offset), text)
            }
        }
    }

    /// True while there is a row to read.
    func step() throws(SQLiteConnection.Failure) -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw connection.failure(code)
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteConnection.Failure) {
        while try step() {}
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: bytes)
    }

    private func check(_ code: Int32) throws(SQLiteConnection.Failure) {
        guard code == SQLITE_OK else { throw connection.failure(code) }
    }
}

/// A value bound to a query's parameter.
enum SQLValue: Sendable, Hashable {
    case integer(Int64)
    case text(String)
}
