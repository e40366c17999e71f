import ArgumentParser
import CLMDB
import Foundation

/// LMDB alone, with nothing of ours around it: durable commits of pre-built records, one thread, no
/// callers. What `append` could reach at best on this disk and CPU, so that its figures can be
/// split into the log's own overhead and what LMDB and the disk cost (docs/benchmarks.md).
///
/// Each commit appends `batch` records of `--record-bytes` under 8-byte big-endian keys (as the log
/// does, with `MDB_APPEND`), and, unless `--no-index`, writes one stream-index entry per record in
/// 16 runs of consecutive keys spread over 100 streams and two meta keys, as a commit of the log
/// does in steady state (docs/adr/002-deferred-stream-index.md).
struct LMDBFloorBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmdb-floor", abstract: "LMDB's own durable commit cost, without the event log around it.")

    @Option(help: "Records per commit to run.")
    var batches: [Int] = [128, 512, 1024]

    @Option(help: "Bytes per record: 316 is an event of the append benchmark (200-byte payload).")
    var recordBytes = 316

    @Option(help: "Seconds measured per batch size.")
    var seconds: Double = 3

    @Flag(help: "Write the records only, no stream-index entries.")
    var noIndex = false

    @Flag(help: """
        A layout the log does not use, to see what it would gain: each commit's records as one LMDB \
        value (contiguous overflow pages), and one index entry per stream run instead of per record.
        """)
    var packed = false

    @Option(help: "Parent directory for the stores (default: the temporary directory).")
    var directory: String?

    struct Run: Encodable {
        var events_per_commit: Int
        var events_per_s: Double
        var put_p50_ms: Double
        var commit_p50_ms: Double
        var commit_p99_ms: Double
        var cycle_p50_ms: Double
        var cycle_p99_ms: Double
    }

    struct Report: Encodable {
        var bench = "lmdb-floor"
        var fsync_ms: Double
        var record_bytes: Int
        var index: Bool
        var packed: Bool
        var runs: [Run]
    }

    func run() throws {
        let probeDirectory = Measure.scratchDirectory("fsync", under: directory)
        let fsync = Measure.fsyncProbe(in: probeDirectory)
        try? FileManager.default.removeItem(atPath: probeDirectory)
        var runs: [Run] = []
        for batch in batches {
            let path = Measure.scratchDirectory("lmdb-floor", under: directory)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let run = try measure(batch: batch, in: path)
            Measure.note("\(batch) records per commit: \(Int(run.events_per_s)) records/s, cycle p50 \(run.cycle_p50_ms) ms, "
                + "p99 \(run.cycle_p99_ms) ms")
            runs.append(run)
        }
        try Measure.report(Report(
            fsync_ms: Measure.round(fsync), record_bytes: recordBytes, index: !noIndex, packed: packed, runs: runs))
    }

    private func measure(batch: Int, in path: String) throws -> Run {
        let lmdb = try RawLMDB(path: path)
        defer { lmdb.close() }
        let record = [UInt8](repeating: 0x5A, count: recordBytes)
        let batchValue = [UInt8](repeating: 0x5A, count: recordBytes * batch)
        let runValue = [UInt8](repeating: 0x5A, count: 8 * max(1, batch / 16))
        var position: UInt64 = 0
        var versions = [UInt64](repeating: 0, count: 100)
        // Keys built ahead or in one reused buffer: the floor should time LMDB, not allocation.
        let prefixes = (0..<100).map { Array("room-\($0)".utf8) + [0] }
        var key: [UInt8] = []
        let headKey = Array("head".utf8), headValue = [UInt8](repeating: 1, count: 40), indexedKey = Array("indexed".utf8)
        var generator = SystemRandomNumberGenerator()
        var puts: [Double] = []
        var commits: [Double] = []
        var cycles: [Double] = []
        let clock = ContinuousClock()
        let start = clock.now
        let measureFrom = start + .seconds(seconds / 4)
        let end = measureFrom + .seconds(seconds)
        var measuredEvents = 0
        while clock.now < end {
            let began = clock.now
            let txn = try lmdb.begin()
            if packed {
                position += UInt64(batch)
                try lmdb.put(txn, lmdb.events, key: position.bigEndian, value: batchValue, flags: UInt32(MDB_APPEND))
            } else {
                for _ in 0..<batch {
                    position += 1
                    try lmdb.put(txn, lmdb.events, key: position.bigEndian, value: record, flags: UInt32(MDB_APPEND))
                }
            }
            if !noIndex {
                for _ in 0..<16 {
                    let stream = Int.random(in: 0..<100, using: &generator)
                    for _ in 0..<(packed ? 1 : max(1, batch / 16)) {
                        versions[stream] += 1
                        key.removeAll(keepingCapacity: true)
                        key.append(contentsOf: prefixes[stream])
                        withUnsafeBytes(of: versions[stream].bigEndian) { key.append(contentsOf: $0) }
                        if packed {
                            // The run's positions, 8 bytes each.
                            try lmdb.put(txn, lmdb.streams, key: key, value: runValue)
                        } else {
                            try lmdb.put(txn, lmdb.streams, key: key, value: position.bigEndian)
                        }
                    }
                }
                try lmdb.put(txn, lmdb.meta, key: headKey, value: headValue)
                try lmdb.put(txn, lmdb.meta, key: indexedKey, value: position.bigEndian)
            }
            let written = clock.now
            try lmdb.commit(txn)
            let committed = clock.now
            if began >= measureFrom {
                puts.append(Measure.milliseconds(written - began))
                commits.append(Measure.milliseconds(committed - written))
                cycles.append(Measure.milliseconds(committed - began))
                measuredEvents += batch
            }
        }
        puts.sort()
        commits.sort()
        cycles.sort()
        let elapsed = cycles.reduce(0, +) / 1000
        return Run(
            events_per_commit: batch, events_per_s: (Double(measuredEvents) / elapsed).rounded(),
            put_p50_ms: Measure.round(Measure.percentile(puts, 0.5)),
            commit_p50_ms: Measure.round(Measure.percentile(commits, 0.5)),
            commit_p99_ms: Measure.round(Measure.percentile(commits, 0.99)),
            cycle_p50_ms: Measure.round(Measure.percentile(cycles, 0.5)),
            cycle_p99_ms: Measure.round(Measure.percentile(cycles, 0.99)))
    }
}

/// The few LMDB calls the floor benchmark needs, with the store's durable flags (no `MDB_NOSYNC`,
/// `MDB_NOMETASYNC` or `MDB_MAPASYNC`).
private final class RawLMDB {
    private let env: OpaquePointer
    private(set) var events: MDB_dbi = 0
    private(set) var streams: MDB_dbi = 0
    private(set) var meta: MDB_dbi = 0

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(path: String) throws {
        var handle: OpaquePointer?
        try Self.check(mdb_env_create(&handle), "mdb_env_create")
        env = handle!
        try Self.check(mdb_env_set_maxdbs(env, 4), "mdb_env_set_maxdbs")
        try Self.check(mdb_env_set_mapsize(env, 64 << 30), "mdb_env_set_mapsize")
        try Self.check(mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o640), "mdb_env_open")
        let txn = try begin()
        events = try open(txn, "events")
        streams = try open(txn, "streams")
        meta = try open(txn, "meta")
        try commit(txn)
    }

    private func open(_ txn: OpaquePointer, _ name: String) throws -> MDB_dbi {
        var dbi: MDB_dbi = 0
        try Self.check(mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open")
        return dbi
    }

    func begin() throws -> OpaquePointer {
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
        return txn!
    }

    func commit(_ txn: OpaquePointer) throws { try Self.check(mdb_txn_commit(txn), "mdb_txn_commit") }

    func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: UInt64, value: [UInt8], flags: UInt32 = 0) throws {
        try withUnsafeBytes(of: key) { key in try put(txn, dbi, key: key, value: value, flags: flags) }
    }

    func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: [UInt8], value: UInt64) throws {
        try key.withUnsafeBytes { key in
            try withUnsafeBytes(of: value) { value in try put(txn, dbi, key: key, value: value, flags: 0) }
        }
    }

    func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: [UInt8], value: [UInt8]) throws {
        try key.withUnsafeBytes { key in try put(txn, dbi, key: key, value: value, flags: 0) }
    }

    private func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: UnsafeRawBufferPointer, value: [UInt8], flags: UInt32) throws {
        try value.withUnsafeBytes { value in try put(txn, dbi, key: key, value: value, flags: flags) }
    }

    private func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                     flags: UInt32) throws
    {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var valueVal = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try Self.check(mdb_put(txn, dbi, &keyVal, &valueVal, flags), "mdb_put")
    }

    func close() { mdb_env_close(env) }

    private static func check(_ status: Int32, _ operation: String) throws {
        guard status == 0 else { throw Failure(description: "\(operation): \(String(cString: mdb_strerror(status)))") }
    }
}
