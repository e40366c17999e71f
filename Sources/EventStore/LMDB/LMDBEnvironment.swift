import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The LMDB environment of one store: the memory map, its three databases, and map growth.
///
/// Invariants that make this `@unchecked Sendable`:
/// - `handle` and the dbi values never change after init;
/// - `mapSize` changes only while `mapLock` is held exclusively, and every transaction of this
///   process (read or write) runs while `mapLock` is held shared, so no transaction is open
///   across a remap (LMDB requires this of `mdb_env_set_mapsize`);
/// - transactions are opened and finished inside one synchronous call, never across an `await`
///   (LMDB binds a write transaction to its thread).
final class LMDBEnvironment: @unchecked Sendable {
    let handle: OpaquePointer
    let readOnly: Bool
    /// Records, keyed by position (8 bytes, big-endian).
    private(set) var events: MDB_dbi = 0
    /// Stream index: stream id ‖ 0x00 ‖ stream version (8 bytes, big-endian) → position.
    private(set) var streams: MDB_dbi = 0
    /// Store metadata: layout version, store id, head.
    private(set) var meta: MDB_dbi = 0
    let mapLock = ReadWriteLock()
    private(set) var mapSize: Int
    /// Set under `mapLock` held exclusively; checked under it held shared.
    private var isClosed = false

    init(directory: String, readOnly: Bool, mapSize: Int, maxReaders: UInt32) throws(EventStoreError) {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw EventStoreError(.lmdb, "mdb_env_create returned no environment") }
        handle = env
        self.readOnly = readOnly
        self.mapSize = mapSize
        do throws(EventStoreError) {
            try check(mdb_env_set_maxdbs(env, 4), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, maxReaders), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            // Durable by default: no MDB_NOSYNC, MDB_NOMETASYNC or MDB_MAPASYNC.
            // MDB_NOTLS: read transactions are not tied to a thread (Swift tasks hop between threads).
            var flags = UInt32(MDB_NOTLS)
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            let status = mdb_env_open(env, directory, flags, 0o640)
            if status == ENOENT || status == EACCES {
                throw EventStoreError(.io, "cannot open the store in \(directory): \(String(cString: mdb_strerror(status)))")
            }
            try check(status, "mdb_env_open \(directory)")
            var info = MDB_envinfo()
            mdb_env_info(env, &info)
            self.mapSize = info.me_mapsize
            try openDatabases()
        } catch {
            mdb_env_close(env)
            throw error
        }
    }

    private func openDatabases() throws(EventStoreError) {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(handle, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
        let create = readOnly ? 0 : UInt32(MDB_CREATE)
        func open(_ name: String) throws(EventStoreError) -> MDB_dbi {
            var dbi: MDB_dbi = 0
            let status = mdb_dbi_open(txn, name, create, &dbi)
            if status == MDB_NOTFOUND {
                throw EventStoreError(.io, "this directory holds no causerie store (no '\(name)' database)")
            }
            try check(status, "mdb_dbi_open \(name)")
            return dbi
        }
        do throws(EventStoreError) {
            events = try open("events")
            streams = try open("streams")
            meta = try open("meta")
            try check(mdb_txn_commit(txn), "mdb_txn_commit (open databases)")
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
    }

    /// Clears reader slots left by processes that died; returns how many were cleared.
    func clearStaleReaders() -> Int32 {
        mapLock.withReadLock {
            guard !isClosed else { return 0 }
            var dead: Int32 = 0
            mdb_reader_check(handle, &dead)
            return dead
        }
    }

    /// Closes the environment once every transaction of this process has ended.
    func close() {
        mapLock.withWriteLock {
            guard !isClosed else { return }
            isClosed = true
            mdb_env_close(handle)
        }
    }

    // MARK: Transactions

    /// Runs `body` in a read-only transaction, adopting a map grown by another process if needed.
    func read<T>(_ body: (Transaction) throws(EventStoreError) -> T) throws(EventStoreError) -> T {
        while true {
            let outcome: Result<T, EventStoreError>? = mapLock.withReadLock {
                if isClosed { return .failure(EventStoreError(.closed, "the store is closed")) }
                var txn: OpaquePointer?
                let status = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn)
                if status == MDB_MAP_RESIZED { return nil }
                guard status == 0, let txn else {
                    return .failure(lmdbError(status, "mdb_txn_begin (read)"))
                }
                defer { mdb_txn_abort(txn) }
                do throws(EventStoreError) {
                    return .success(try body(Transaction(raw: txn, environment: self)))
                } catch {
                    return .failure(error)
                }
            }
            if let outcome { return try outcome.get() }
            // Another process grew the map: adopt its size (no transaction of ours is open now).
            mapLock.withWriteLock {
                mdb_env_set_mapsize(handle, 0)
                var info = MDB_envinfo()
                mdb_env_info(handle, &info)
                mapSize = info.me_mapsize
            }
        }
    }

    /// Runs `body` in a write transaction and commits it. Only the writer thread calls this.
    /// On any error the transaction is aborted and nothing is written.
    func write<T>(_ body: (Transaction) throws(EventStoreError) -> T) throws(EventStoreError) -> T {
        try mapLock.withReadLock { () throws(EventStoreError) -> T in
            if isClosed { throw EventStoreError(.closed, "the store is closed") }
            var txn: OpaquePointer?
            try check(mdb_txn_begin(handle, nil, 0, &txn), "mdb_txn_begin (write)")
            guard let txn else { throw EventStoreError(.lmdb, "mdb_txn_begin returned no transaction") }
            let value: T
            do throws(EventStoreError) {
                value = try body(Transaction(raw: txn, environment: self))
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            try check(mdb_txn_commit(txn), "mdb_txn_commit")
            return value
        }
    }

    /// Grows the map to `newSize` bytes. Waits for every transaction of this process to end.
    func grow(to newSize: Int) throws(EventStoreError) {
        try mapLock.withWriteLock { () throws(EventStoreError) in
            try check(mdb_env_set_mapsize(handle, newSize), "mdb_env_set_mapsize")
            var info = MDB_envinfo()
            mdb_env_info(handle, &info)
            mapSize = info.me_mapsize
        }
    }

    /// Copies the environment to `path` (a file) with compaction, as a consistent snapshot.
    func copyCompacting(to fileDescriptor: Int32) throws(EventStoreError) {
        try mapLock.withReadLock { () throws(EventStoreError) in
            if isClosed { throw EventStoreError(.closed, "the store is closed") }
            try check(mdb_env_copyfd2(handle, fileDescriptor, UInt32(MDB_CP_COMPACT)), "mdb_env_copyfd2")
        }
    }

    /// Size of the data file in bytes.
    func fileSize() -> Int {
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }
}

/// Maps an LMDB status to an error; the few codes with a meaning of their own get their own code.
func lmdbError(_ status: Int32, _ operation: String) -> EventStoreError {
    let text = String(cString: mdb_strerror(status))
    switch status {
    case MDB_MAP_FULL: return EventStoreError(.storageFull, "\(operation): \(text)")
    case ENOSPC, EDQUOT: return EventStoreError(.diskFull, "\(operation): the disk is full (\(text))")
    case EIO: return EventStoreError(.diskFull, "\(operation): input/output error (\(text))")
    case MDB_CORRUPTED, MDB_PAGE_NOTFOUND: return EventStoreError(.corrupt, "\(operation): \(text)")
    case MDB_VERSION_MISMATCH, MDB_INVALID:
        return EventStoreError(.unsupportedFormat, "\(operation): \(text)")
    default: return EventStoreError(.lmdb, "\(operation): \(text) (\(status))")
    }
}

@inline(__always)
func check(_ status: Int32, _ operation: @autoclosure () -> String) throws(EventStoreError) {
    if status != 0 { throw lmdbError(status, operation()) }
}
