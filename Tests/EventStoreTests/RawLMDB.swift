import CLMDB
import Foundation

/// Direct access to a closed store's LMDB files, to damage them the way a disk or an attacker would.
final class RawLMDB {
    private let env: OpaquePointer
    private var txn: OpaquePointer?
    private var events: MDB_dbi = 0
    private var meta: MDB_dbi = 0

    init(_ directory: String) throws {
        var env: OpaquePointer?
        guard mdb_env_create(&env) == 0, let env else { throw RawError.failed("create") }
        self.env = env
        mdb_env_set_maxdbs(env, 4)
        guard mdb_env_open(env, directory, 0, 0o640) == 0 else { throw RawError.failed("open") }
        guard mdb_txn_begin(env, nil, 0, &txn) == 0 else { throw RawError.failed("begin") }
        guard mdb_dbi_open(txn, "events", 0, &events) == 0, mdb_dbi_open(txn, "meta", 0, &meta) == 0 else {
            throw RawError.failed("dbi")
        }
    }

    enum RawError: Error { case failed(String) }

    func record(_ position: UInt64) -> [UInt8]? {
        var key = position.bigEndian
        return withUnsafeMutableBytes(of: &key) { raw in
            var k = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
            var v = MDB_val()
            guard mdb_get(txn, events, &k, &v) == 0 else { return nil }
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    func setRecord(_ position: UInt64, _ bytes: [UInt8]) {
        var key = position.bigEndian
        var copy = bytes
        withUnsafeMutableBytes(of: &key) { raw in
            copy.withUnsafeMutableBytes { value in
                var k = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
                var v = MDB_val(mv_size: value.count, mv_data: value.baseAddress)
                precondition(mdb_put(txn, events, &k, &v, 0) == 0)
            }
        }
    }

    func deleteRecord(_ position: UInt64) {
        var key = position.bigEndian
        withUnsafeMutableBytes(of: &key) { raw in
            var k = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
            precondition(mdb_del(txn, events, &k, nil) == 0)
        }
    }

    func setMeta(_ name: String, _ bytes: [UInt8]) {
        var key = Array(name.utf8)
        var copy = bytes
        key.withUnsafeMutableBytes { keyRaw in
            copy.withUnsafeMutableBytes { value in
                var k = MDB_val(mv_size: keyRaw.count, mv_data: keyRaw.baseAddress)
                var v = MDB_val(mv_size: value.count, mv_data: value.baseAddress)
                precondition(mdb_put(txn, meta, &k, &v, 0) == 0)
            }
        }
    }

    /// Commits the damage and closes the files.
    func close() {
        mdb_txn_commit(txn)
        mdb_env_close(env)
    }
}
