import EventStore
import Fixtures
import Foundation
import Operations
import Projections
import Testing

@Suite("Export", .serialized)
struct ExportTests {
    /// Four days of messages in two rooms, a rename, a kick, an edit and a deletion.
    static func history(_ dir: Scratch) throws -> (fixture: Fixture, hostile: String) {
        let clock = ManualClock("2026-06-01T08:00:00Z")
        let fixture = try Fixture.dated(dir.path, clock)
        try fixture.initialize(passwordHash: "x")
        let alice = try fixture.register("alice")
        let bob = try fixture.register("bob")
        try fixture.flushSync()
        try fixture.now(clock, CreateRoom(room: "ops", name: "Ops", visibility: .public), by: alice)
        try fixture.now(clock, JoinRoom(room: "ops"), by: bob)
        let hostile = "<script>alert('x')</script> <img src=x onerror=alert(1)> & \"quotes\", commas,\nand a new line"
        var first: UInt64?
        for day in 1...4 {
            for hour in [9, 13, 17] {
                clock.set("2026-06-0\(day)T\(hour):00:00Z")
                try fixture.now(clock, PostMessage(room: .main, clientID: "m\(day)-\(hour)", text: "main day \(day) at \(hour)"), by: alice)
                clock.advance(seconds: 60)
                let posted = try fixture.now(clock, PostMessage(room: "ops", clientID: "o\(day)-\(hour)",
                                                                text: day == 2 && hour == 13 ? hostile : "ops day \(day) at \(hour)"), by: bob)
                if first == nil { first = posted.first }
            }
            if day == 2 {
                clock.set("2026-06-02T20:00:00Z")
                try fixture.now(clock, ChangeRoom(room: "ops", change: .name("Operations")), by: alice)
            }
            if day == 3 {
                clock.set("2026-06-03T18:00:00Z")
                let message = MessageRef(message: first!, room: "ops", author: bob)
                try fixture.now(clock, EditMessage(original: message, text: "edited"), by: bob)
                try fixture.now(clock, DeleteMessage(original: message), by: alice)
                try fixture.now(clock, ModerateRoom(room: "ops", user: bob, action: .kick(reason: "end of shift")), by: alice)
                try fixture.now(clock, JoinRoom(room: "ops"), by: bob)
            }
        }
        return (fixture, hostile)
    }

    static func export(_ store: LMDBEventStore, _ request: Exports.Request) throws -> (text: String, manifest: ExportManifest) {
        var bytes: [UInt8] = []
        let manifest = try Exports.run(store, request, into: { bytes += $0 })
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        #expect(hasher.finalize() == manifest.sha256)
        #expect(UInt64(bytes.count) == manifest.bytes)
        return (String(decoding: bytes, as: UTF8.self), manifest)
    }

    static func date(_ text: String) -> Date { ISO8601.parse(text, timeZone: TimeZone(identifier: "UTC")!)! }

    @Test func aRangeCuttingThroughADayHasExactlyTheEventsOfTheLogInIt() throws {
        let dir = Scratch("export")
        defer { dir.remove() }
        let (fixture, _) = try Self.history(dir)
        let store = fixture.store
        let from = Self.date("2026-06-02T12:00:00Z"), to = Self.date("2026-06-03T19:00:00Z")
        let (text, manifest) = try Self.export(store, .init(from: from, to: to, format: .jsonl, timeZone: TimeZone(identifier: "Europe/Paris")!))
        // The log, read independently: events in [from, to) of the kinds an export shows.
        var expected: [UInt64] = []
        try store.scan { record in
            let inRange = record.timestamp >= Timestamp(from) && record.timestamp < Timestamp(to)
            if inRange, (40...62).contains(record.type), record.type != 39 { expected.append(record.position) }
            return true
        }
        let lines = text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.compactMap { ($0["position"] as? NSNumber)?.uint64Value } == expected)
        #expect(manifest.count == UInt64(expected.count))
        #expect(manifest.head == (try store.currentHead()))
        // Times carry their offset; room names are as they were then.
        #expect(lines.allSatisfy { ($0["time"] as? String)?.hasSuffix("+02:00") == true })
        let before = lines.first { ($0["text"] as? String) == "ops day 2 at 13" || ($0["kind"] as? String) == "message.posted" && ($0["room"] as? String) == "ops" }
        #expect(before?["roomName"] as? String == "Ops")
        let after = lines.last { ($0["room"] as? String) == "ops" && ($0["kind"] as? String) == "message.posted" }
        #expect(after?["roomName"] as? String == "Operations")
        #expect(lines.contains { ($0["kind"] as? String) == "room.renamed" && ($0["text"] as? String) == "Operations" })
        #expect(lines.contains { ($0["kind"] as? String) == "message.deleted" })
        #expect(lines.contains { ($0["kind"] as? String) == "member.kicked" && ($0["subjectName"] as? String) == "bob" })
        try fixture.close()
    }

    /// People appear under the display name they had at that moment (and their user name):
    /// what the docs promise a compliance officer.
    @Test func displayNamesAreThoseOfTheMoment() throws {
        let dir = Scratch("names")
        defer { dir.remove() }
        let clock = ManualClock("2026-06-01T08:00:00Z")
        let fixture = try Fixture.dated(dir.path, clock)
        try fixture.initialize(passwordHash: "x")
        let bob = try fixture.register("bob")
        try fixture.flushSync()
        try fixture.now(clock, UpdateProfile(user: bob, profile: Profile(displayName: "Bob Durand")), by: bob)
        clock.advance(seconds: 60)
        try fixture.now(clock, PostMessage(room: .main, clientID: "a", text: "before"), by: bob)
        clock.advance(seconds: 60)
        try fixture.now(clock, UpdateProfile(user: bob, profile: Profile(displayName: "Bob Martin")), by: bob)
        clock.advance(seconds: 60)
        try fixture.now(clock, PostMessage(room: .main, clientID: "b", text: "after"), by: bob)
        let range = (from: Self.date("2026-06-01T00:00:00Z"), to: Self.date("2026-06-02T00:00:00Z"))
        let jsonl = try Self.export(fixture.store, .init(from: range.from, to: range.to, format: .jsonl, timeZone: .gmt)).text
        let lines = jsonl.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let posts = lines.filter { $0["kind"] as? String == "message.posted" }
        #expect(posts.map { $0["actorDisplayName"] as? String } == ["Bob Durand", "Bob Martin"])
        #expect(posts.allSatisfy { $0["actorName"] as? String == "bob" })
        let html = try Self.export(fixture.store, .init(from: range.from, to: range.to, format: .html, timeZone: .gmt)).text
        #expect(html.contains(#"<b title="bob">Bob Durand</b>"#) && html.contains(#"<b title="bob">Bob Martin</b>"#))
        try fixture.close()
    }

    @Test func filtersByRoomAndByUser() throws {
        let dir = Scratch("filters")
        defer { dir.remove() }
        let (fixture, _) = try Self.history(dir)
        let all = (from: Self.date("2026-06-01T00:00:00Z"), to: Self.date("2026-06-05T00:00:00Z"))
        let ops = try Self.export(fixture.store, .init(from: all.from, to: all.to, rooms: ["ops"], format: .jsonl, timeZone: .gmt))
        let opsLines = ops.text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(!opsLines.isEmpty && opsLines.allSatisfy { $0["room"] as? String == "ops" })
        let alice = try Self.export(fixture.store, .init(from: all.from, to: all.to, users: ["ualice"], format: .jsonl, timeZone: .gmt))
        let aliceLines = alice.text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(aliceLines.allSatisfy { $0["actor"] as? String == "ualice" || $0["subject"] as? String == "ualice" })
        #expect(aliceLines.contains { $0["room"] as? String == "main" })
        #expect(!aliceLines.contains { $0["actor"] as? String == "ubob" && $0["kind"] as? String == "message.posted" })
        try fixture.close()
    }

    @Test func csvQuotesCommasQuotesAndNewLines() throws {
        let dir = Scratch("csv")
        defer { dir.remove() }
        let (fixture, hostile) = try Self.history(dir)
        let (text, _) = try Self.export(fixture.store, .init(from: Self.date("2026-06-02T00:00:00Z"), to: Self.date("2026-06-03T00:00:00Z"),
                                                          rooms: ["ops"], format: .csv, timeZone: .gmt))
        let rows = Self.parseCSV(text)
        #expect(rows.first == ["position", "time", "kind", "room", "room_name", "actor", "actor_name", "actor_display_name",
                               "subject", "subject_name", "subject_display_name", "message", "reply_to", "text", "file", "file_name", "file_size", "file_sha256"])
        #expect(rows.dropFirst().allSatisfy { $0.count == 18 })
        #expect(rows.contains { $0[13] == hostile })
        try fixture.close()
    }

    @Test func htmlEscapesHostileTextAndGroupsByConversationAndDay() throws {
        let dir = Scratch("html")
        defer { dir.remove() }
        let (fixture, _) = try Self.history(dir)
        let (text, _) = try Self.export(fixture.store, .init(from: Self.date("2026-06-01T00:00:00Z"), to: Self.date("2026-06-05T00:00:00Z"),
                                                          format: .html, timeZone: .gmt))
        #expect(!text.contains("<script>") && !text.contains("<img"))
        #expect(text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(text.contains("<h2>main</h2>") && text.contains("<h2>Operations</h2>"))
        #expect(text.contains("<h3>Tuesday 2 June 2026</h3>"))
        #expect(text.hasPrefix("<!doctype html>") && text.hasSuffix("</html>\n"))
        try fixture.close()
    }

    /// More conversations than the HTML writer keeps files open for, written to in turn: each
    /// section still has every message of its room, in order.
    @Test func htmlKeepsEveryRoomWhole() throws {
        let dir = Scratch("html-rooms")
        defer { dir.remove() }
        let clock = ManualClock("2026-06-01T08:00:00Z")
        let fixture = try Fixture.dated(dir.path, clock)
        try fixture.initialize(passwordHash: "x")
        let alice = try fixture.register("alice")
        try fixture.flushSync()
        let rooms = 150
        for index in 0..<rooms {
            try fixture.now(clock, CreateRoom(room: RoomID("r\(index)"), name: "room \(1000 + index)", visibility: .public), by: alice)
        }
        for round in 0..<3 {
            for index in 0..<rooms {
                clock.advance(seconds: 1)
                try fixture.now(clock, PostMessage(room: RoomID("r\(index)"), clientID: "\(round)-\(index)",
                                                   text: "message \(round) in \(index)"), by: alice)
            }
        }
        let (text, manifest) = try Self.export(fixture.store, .init(from: Self.date("2026-06-01T00:00:00Z"),
                                                                    to: Self.date("2026-06-02T00:00:00Z"), format: .html, timeZone: .gmt))
        #expect(manifest.count >= UInt64(rooms * 3))
        let sections = text.components(separatedBy: "<section>").dropFirst()
        for index in 0..<rooms {
            let section = try #require(sections.first { $0.contains("<h2>room \(1000 + index)</h2>") }, "room \(index)")
            let found = (0..<3).map { section.range(of: "message \($0) in \(index)<")?.lowerBound }
            #expect(found.allSatisfy { $0 != nil } && found == found.sorted { $0! < $1! }, "room \(index)")
        }
        try fixture.close()
    }

    /// A record this build cannot read, in the middle of the range: the export stops with its
    /// position, and leaves none of its temporary files behind.
    @Test func aRecordThatCannotBeReadStopsTheExportCleanly() throws {
        let dir = Scratch("html-corrupt")
        defer { dir.remove() }
        let (fixture, _) = try Self.history(dir)
        let bad = try fixture.store.appendBlocking([NewEvent(stream: "room:ops", type: 60_000, actor: "uadmin", payload: [1, 2, 3])])
        let temporary = { Set((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? [])
            .filter { $0.hasPrefix("causerie-export-") } }
        let before = temporary()
        for format in Exports.Format.allCases {
            #expect {
                _ = try Self.export(fixture.store, .init(from: Self.date("2026-06-01T00:00:00Z"), to: Self.date("2099-01-01T00:00:00Z"),
                                                         format: format, timeZone: .gmt))
            } throws: { "\($0)".contains("position \(bad.firstPosition)") }
        }
        #expect(temporary() == before)
        try fixture.close()
    }

    /// RFC 4180, for the test's own reading.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        var pending: Character?
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\r\n" || character == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
