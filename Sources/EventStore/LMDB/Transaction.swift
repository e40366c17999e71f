import CLMDB
#if canImport(Glibc)
import Glibc
#endif

/// A transaction handle, valid only inside the closure that received it.
struct Transaction {
    let raw: OpaquePointer
    let environment: LMDBEnvironment

    /// The value under `key`, pointing into the map (valid until the transaction ends).
    func get(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer) throws(EventStoreError) -> UnsafeRawBufferPointer? {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var value = MDB_val()
        let status = mdb_get(raw, dbi, &keyVal, &value)
        if status == MDB_NOTFOUND { return nil }
        try check(status, "mdb_get")
        return UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
    }

    func get(_ dbi: MDB_dbi, position: UInt64) throws(EventStoreError) -> UnsafeRawBufferPointer? {
        let key = position.bigEndian
        return try withBytes(of: key) { (raw) throws(EventStoreError) in try get(dbi, raw) }
    }

    func put(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, flags: UInt32 = 0)
        throws(EventStoreError)
    {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var valueVal = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(raw, dbi, &keyVal, &valueVal, flags), "mdb_put")
    }

    /// Reserves `size` bytes for `key` and lets `fill` write them in place (no copy).
    func reserve(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer, size: Int, flags: UInt32 = 0) throws(EventStoreError)
        -> UnsafeMutableRawBufferPointer
    {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var valueVal = MDB_val(mv_size: size, mv_data: nil)
        try check(mdb_put(raw, dbi, &keyVal, &valueVal, flags | UInt32(MDB_RESERVE)), "mdb_put (reserve)")
        return UnsafeMutableRawBufferPointer(start: valueVal.mv_data, count: size)
    }

    func cursor(_ dbi: MDB_dbi) throws(EventStoreError) -> Cursor {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(raw, dbi, &cursor), "mdb_cursor_open")
        return Cursor(raw: cursor!)
    }
}

/// An LMDB cursor; close it before its transaction ends.
struct Cursor {
    let raw: OpaquePointer

    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    /// Moves the cursor; nil at either end.
    func move(_ op: MDB_cursor_op) throws(EventStoreError) -> Entry? {
        var key = MDB_val()
        var value = MDB_val()
        let status = mdb_cursor_get(raw, &key, &value, op)
        if status == MDB_NOTFOUND { return nil }
        try check(status, "mdb_cursor_get")
        return (UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size),
                UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// Positions at the first key greater than or equal to `key`.
    func seek(_ key: UnsafeRawBufferPointer) throws(EventStoreError) -> Entry? {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var value = MDB_val()
        let status = mdb_cursor_get(raw, &keyVal, &value, MDB_SET_RANGE)
        if status == MDB_NOTFOUND { return nil }
        try check(status, "mdb_cursor_get (set range)")
        return (UnsafeRawBufferPointer(start: keyVal.mv_data, count: keyVal.mv_size),
                UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    func seek(position: UInt64) throws(EventStoreError) -> Entry? {
        let key = position.bigEndian
        return try withBytes(of: key) { (raw) throws(EventStoreError) in try seek(raw) }
    }

    func close() { mdb_cursor_close(raw) }
}

extension UnsafeRawBufferPointer {
    /// Reads an 8-byte big-endian key as a position.
    var bigEndianUInt64: UInt64 {
        UInt64(bigEndian: loadUnaligned(as: UInt64.self))
    }
}

/// Keys of the stream index: `stream ‖ 0x00 ‖ version (8 bytes, big-endian)`. Stream ids contain no
/// NUL byte, so every key of one stream sorts together, by version.
enum StreamKey {
    static func make(_ stream: String, version: UInt64) -> [UInt8] {
        var key: [UInt8] = []
        fill(&key, stream, version: version)
        return key
    }

    /// Writes the key into `key`, reusing its storage.
    static func fill(_ key: inout [UInt8], _ stream: String, version: UInt64) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: stream.utf8)
        key.append(0)
        withUnsafeBytes(of: version.bigEndian) { key.append(contentsOf: $0) }
    }

    /// The prefix shared by every key of the stream.
    static func prefix(_ stream: String) -> [UInt8] {
        var key = Array(stream.utf8)
        key.append(0)
        return key
    }

    /// The version in a key known to start with `prefix`.
    static func version(of key: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: key.loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self))
    }

    static func hasPrefix(_ key: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        guard key.count == prefix.count + 8 else { return false }
        return prefix.withUnsafeBytes { p in memcmp(p.baseAddress!, key.baseAddress!, prefix.count) == 0 }
    }
}
