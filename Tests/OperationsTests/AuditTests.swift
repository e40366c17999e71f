import CLMDB
import COpenSSL
import EventStore
import Fixtures
import Foundation
import Operations
import Projections
import Testing

@Suite("Audit")
struct AuditTests {
    /// A store of 200 events, closed.
    static func history(_ dir: Scratch) throws {
        let fixture = try Fixture(directory: dir.path)
        try fixture.initialize(passwordHash: "x")
        try fixture.addUsers(10, passwordHash: "x")
        for index in 0..<150 {
            try fixture.run(PostMessage(room: .main, clientID: "m\(index)", text: "message \(index)"), by: Fixture.user(index % 10))
        }
        try fixture.close()
    }

    /// Edits the closed store's LMDB files directly.
    static func tamper(_ dir: Scratch, _ change: (OpaquePointer?, MDB_dbi, MDB_dbi) -> Void) {
        var env: OpaquePointer?
        mdb_env_create(&env)
        mdb_env_set_maxdbs(env, 4)
        mdb_env_set_mapsize(env, 1 << 28)
        precondition(mdb_env_open(env, dir.path, 0, 0o640) == 0)
        var txn: OpaquePointer?
        mdb_txn_begin(env, nil, 0, &txn)
        var events: MDB_dbi = 0
        var meta: MDB_dbi = 0
        mdb_dbi_open(txn, "events", 0, &events)
        mdb_dbi_open(txn, "meta", 0, &meta)
        change(txn, events, meta)
        mdb_txn_commit(txn)
        mdb_env_close(env)
    }

    static func get(_ txn: OpaquePointer?, _ dbi: MDB_dbi, _ position: UInt64) -> [UInt8]? {
        var key = position.bigEndian
        return withUnsafeMutableBytes(of: &key) { raw in
            var k = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
            var v = MDB_val()
            guard mdb_get(txn, dbi, &k, &v) == 0 else { return nil }
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    static func put(_ txn: OpaquePointer?, _ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8]) {
        var key = key
        var value = value
        key.withUnsafeMutableBytes { k in
            value.withUnsafeMutableBytes { v in
                var kv = MDB_val(mv_size: k.count, mv_data: k.baseAddress)
                var vv = MDB_val(mv_size: v.count, mv_data: v.baseAddress)
                precondition(mdb_put(txn, dbi, &kv, &vv, 0) == 0)
            }
        }
    }

    static func positionKey(_ position: UInt64) -> [UInt8] { withUnsafeBytes(of: position.bigEndian, Array.init) }

    static func delete(_ txn: OpaquePointer?, _ dbi: MDB_dbi, _ position: UInt64) {
        var key = position.bigEndian
        withUnsafeMutableBytes(of: &key) { raw in
            var k = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
            precondition(mdb_del(txn, dbi, &k, nil) == 0)
        }
    }

    /// What `causerie audit verify` says (with an anchor if given).
    static func verify(_ dir: Scratch, anchor: String? = nil) throws -> (failed: Bool, position: UInt64?) {
        var arguments = ["audit", "verify", "--data", dir.path, "--json"]
        if let anchor { arguments += ["--anchor", anchor] }
        let result = try causerie(arguments)
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let position = (json?["problemPosition"] as? NSNumber)?.uint64Value
        #expect((result.status != 0) == (json?["intact"] as? Bool == false))
        return (result.status != 0, position)
    }

    @Test func fiveKindsOfTamperingAreEachDetectedWithTheirPosition() throws {
        var detected = 0
        let cases: [(String, UInt64, (OpaquePointer?, MDB_dbi, MDB_dbi) -> Void)] = [
            ("flipped byte", 77, { txn, events, _ in
                var bytes = Self.get(txn, events, 77)!
                bytes[bytes.count - 40] ^= 0x20
                Self.put(txn, events, Self.positionKey(77), bytes)
            }),
            ("deleted record", 90, { txn, events, _ in Self.delete(txn, events, 90) }),
            ("swapped records", 120, { txn, events, _ in
                let (a, b) = (Self.get(txn, events, 120)!, Self.get(txn, events, 121)!)
                Self.put(txn, events, Self.positionKey(120), b)
                Self.put(txn, events, Self.positionKey(121), a)
            }),
            ("truncated log", 150, { txn, events, _ in
                var position: UInt64 = 150
                while Self.get(txn, events, position) != nil {
                    Self.delete(txn, events, position)
                    position += 1
                }
            }),
        ]
        for (name, position, change) in cases {
            let dir = Scratch("audit")
            defer { dir.remove() }
            try Self.history(dir)
            #expect(try Self.verify(dir).failed == false, "\(name): intact before")
            Self.tamper(dir, change)
            let (failed, reported) = try Self.verify(dir)
            #expect(failed && reported == position, "\(name): reported \(String(describing: reported))")
            if failed && reported == position { detected += 1 }
        }
        // A tail rewritten with fresh hashes, and the head updated to match: the chain verifies;
        // only an anchor taken before catches it.
        let dir = Scratch("audit-rewrite")
        defer { dir.remove() }
        try Self.history(dir)
        let anchor = dir.file("anchor.json")
        #expect(try causerie(["audit", "head", "--data", dir.path, "--out", anchor]).status == 0)
        Self.tamper(dir) { txn, events, meta in
            var previous = [UInt8](Self.get(txn, events, 99)!.suffix(32))
            var position: UInt64 = 100
            while var bytes = Self.get(txn, events, position) {
                if position == 100 {
                    // Change the text of the message at 100 (same length, so the record stays well formed).
                    let index = bytes.count - 32 - 3
                    bytes[index] = UInt8(ascii: "X")
                }
                var hash = [UInt8](repeating: 0, count: 32)
                bytes.withUnsafeBytes { raw in
                    causerie_chain_hash(previous, position, raw.baseAddress, raw.count - 32, &hash)
                }
                bytes.replaceSubrange((bytes.count - 32)..., with: hash)
                Self.put(txn, events, Self.positionKey(position), bytes)
                previous = hash
                position += 1
            }
            Self.put(txn, meta, Array("head".utf8), Self.positionKey(position - 1) + previous)
        }
        #expect(try Self.verify(dir).failed == false, "the rewritten chain verifies on its own")
        let (failed, reported) = try Self.verify(dir, anchor: anchor)
        #expect(failed && reported == 100)
        if failed && reported == 100 { detected += 1 }
        print("audit: injected=5 detected=\(detected)")
        #expect(detected == 5)
    }

    @Test func theAdministrativeTrailIsFilteredByActorKindAndDate() throws {
        let dir = Scratch("trail")
        defer { dir.remove() }
        let clock = ManualClock("2026-05-01T08:00:00Z")
        let fixture = try Fixture.dated(dir.path, clock)
        try fixture.initialize(passwordHash: "x")
        let alice = try fixture.register("alice", selfRegistration: true)
        let bob = try fixture.register("bob")
        try fixture.flushSync()
        clock.set("2026-05-02T08:00:00Z")
        try fixture.now(clock, CreateRoom(room: "r", name: "Ops", visibility: .public), by: alice)
        try fixture.now(clock, JoinRoom(room: "r"), by: bob)
        let posted = try fixture.now(clock, PostMessage(room: "r", clientID: "1", text: "oops"), by: bob)[0]
        clock.set("2026-05-03T08:00:00Z")
        try fixture.now(clock, DeleteMessage(original: MessageRef(message: posted, room: "r", author: bob)), by: alice)
        try fixture.now(clock, ModerateRoom(room: "r", user: bob, action: .ban(reason: "spam")), by: alice)
        try fixture.now(clock, SetUserGroups(user: bob, groups: [.guests]), by: fixture.administrator)
        try fixture.close()
        let all = try causerie(["audit", "log", "--data", dir.path, "--json", "--time-zone", "UTC"])
        #expect(all.status == 0)
        let kinds = all.output.split(separator: "\n").compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["kind"] as? String
        }
        #expect(kinds.contains("message.deleted") && kinds.contains("member.banned") && kinds.contains("user.groups"))
        // Someone who registers is named as the actor of their own registration.
        let created = all.output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).flatMap { $0["kind"] as? String == "user.created" ? $0 : nil }
        }
        #expect(created.compactMap { $0["actorName"] as? String }.contains("alice"), "\(created)")
        let byAlice = try causerie(["audit", "log", "--data", dir.path, "--actor", "alice", "--from", "2026-05-03", "--time-zone", "UTC"])
        let lines = byAlice.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains(" alice ") })
        let bans = try causerie(["audit", "log", "--data", dir.path, "--type", "member.banned"])
        #expect(bans.output.split(separator: "\n").count == 1 && bans.output.contains("reason=spam"))
    }
}
