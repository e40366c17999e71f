import EventStore
import Fixtures
import Foundation
@testable import Gateway
import Operations
import Projections
import Testing

/// Search over all history (docs/search.md), through the real server, its real index on disk and
/// both doors: HTTP `GET /api/v1/search` and the WebSocket `search` command.
@Suite("Search", .serialized)
struct SearchTests {
    /// Only ASCII letters and digits stay as they are: everything else is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    static func search(_ server: TestServer, _ token: String, _ q: String, _ extra: String = "") async throws -> TestServer.HTTPResult {
        let encoded = q.addingPercentEncoding(withAllowedCharacters: unreserved) ?? q
        return try await server.http("GET", "/api/v1/search?q=\(encoded)\(extra)", token: token)
    }

    /// The texts found once someone else's change has reached the index (it follows the views by a
    /// fraction of a second: docs/search.md), within two seconds.
    static func eventually(_ server: TestServer, _ token: String, _ q: String, _ expected: [String]) async throws -> [String] {
        var found: [String] = []
        for _ in 0..<40 {
            found = try await texts(server, token, q)
            if found == expected { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return found
    }

    /// The texts found, newest first.
    static func texts(_ server: TestServer, _ token: String, _ q: String, _ extra: String = "") async throws -> [String] {
        let result = try await search(server, token, q, extra)
        guard result.status == 200 else { throw TestError("search \(q): \(result.status) \(result.body)") }
        return (result.body["results"]?.array ?? []).compactMap { $0["text"]?.string }
    }

    @discardableResult
    static func post(_ server: TestServer, _ token: String, _ text: String, room: String = "main") async throws -> UInt64 {
        let result = try await server.http("POST", "/api/v1/rooms/\(room)/messages", token: token, body: jsonText(["text": text]))
        guard result.status == 201, let position = result.body["position"]?.int else {
            throw TestError("post \(text): \(result.status) \(result.body)")
        }
        return UInt64(position)
    }

    static func createRoom(_ server: TestServer, _ token: String, _ name: String, visibility: String = "public") async throws -> String {
        let result = try await server.http("POST", "/api/v1/rooms", token: token, body: jsonText(["name": name, "visibility": visibility]))
        guard let room = result.body["room"]?.string else { throw TestError("room \(name): \(result.body)") }
        return room
    }

    /// French, Russian and English as an office writes them.
    static let history = [
        "L'École ouvre lundi à 8 h",
        "Ёлка в офисе в пятницу",
        "Le fichier db.json est prêt pour la recette",
        "Planning Kanban de la semaine",
        "Le dashboard est en panne depuis ce matin",
        "meeting notes for the quarterly review",
        "quarterly budget draft",
        "Voir https://intranet.office.lan/wiki pour la procédure",
        "Un cœur gros comme ça",
    ]

    @Test func findsWordsPrefixesInfixesAndPhrasesAcrossFrenchRussianAndEnglish() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        for text in Self.history { try await Self.post(server, alice.token, text) }

        // Accents, case and ё fold; an apostrophe separates words.
        for q in ["ecole ", "École ", "ÉCOLE ", "l'école "] {
            #expect(try await Self.texts(server, alice.token, q) == [Self.history[0]], "\(q)")
        }
        for q in ["елка ", "ёлка ", "ЁЛКА "] {
            #expect(try await Self.texts(server, alice.token, q) == [Self.history[1]], "\(q)")
        }
        #expect(try await Self.texts(server, alice.token, "coeur ") == [Self.history[8]])
        #expect(try await Self.texts(server, alice.token, "cœur ") == [Self.history[8]])
        // A file name is its words.
        #expect(try await Self.texts(server, alice.token, "json ") == [Self.history[2]])
        #expect(try await Self.texts(server, alice.token, "db.json ") == [Self.history[2]])
        // As you type: the last word is a prefix; `*board` is inside a word.
        #expect(try await Self.texts(server, alice.token, "kanb") == [Self.history[3]])
        #expect(try await Self.texts(server, alice.token, "\"kanb\"") == [])
        #expect(try await Self.texts(server, alice.token, "*board") == [Self.history[4]])
        // Phrases keep their order; `-` excludes.
        #expect(try await Self.texts(server, alice.token, "\"quarterly review\"") == [Self.history[5]])
        #expect(try await Self.texts(server, alice.token, "\"review quarterly\"") == [])
        #expect(try await Self.texts(server, alice.token, "quarterly ") == [Self.history[6], Self.history[5]])
        #expect(try await Self.texts(server, alice.token, "quarterly -budget") == [Self.history[5]])
        // Nothing as a word: the letters inside words, said so.
        let inside = try await Self.search(server, alice.token, "shboar ")
        #expect(inside.body["fallback"]?.string == "infix")
        #expect((inside.body["results"]?.array ?? []).compactMap { $0["text"]?.string } == [Self.history[4]])

        // Highlights are UTF-16 offsets into the text as shown: "École" in "L'École…".
        let hit = try #require(await Self.search(server, alice.token, "ecole ").body["results"]?.array.first)
        let highlights: [[Int]] = (hit["highlights"]?.array ?? []).map { pair in pair.array.compactMap(\.int) }
        #expect(highlights == [[2, 5]])
        #expect(hit["author"]?.string == alice.user && hit["authorName"]?.string == "Alice")
        #expect(hit["room"]?.string == "main" && hit["kind"]?.string == "message" && hit["edited"]?.bool == false)
        #expect(try await Self.search(server, alice.token, "ecole ").body["indexing"]?.bool == false)
    }

    @Test func operatorsNarrowByAuthorRoomConversationDateFileLinkAndMention() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let projects = try await Self.createRoom(server, alice.token, "Projets")
        #expect(try await server.http("POST", "/api/v1/rooms/\(projects)/join", token: bob.token).status == 200)
        try await Self.post(server, alice.token, "réunion budget lundi")
        try await Self.post(server, bob.token, "réunion budget mardi")
        try await Self.post(server, bob.token, "réunion budget projets", room: projects)
        try await Self.post(server, bob.token, "réunion budget @alice voir https://wiki.office.lan", room: projects)
        let direct = try await server.http("POST", "/api/v1/direct/\(bob.user)/messages", token: alice.token,
                                           body: jsonText(["text": "réunion budget en privé"]))
        #expect(direct.status == 201)

        #expect(try await Self.texts(server, alice.token, "budget from:bob").count == 3)
        #expect(try await Self.texts(server, alice.token, "budget from:@bob in:#projets").count == 2)
        #expect(try await Self.texts(server, alice.token, "budget -from:bob") == ["réunion budget en privé", "réunion budget lundi"])
        #expect(try await Self.texts(server, alice.token, "budget from:me") == ["réunion budget en privé", "réunion budget lundi"])
        #expect(try await Self.texts(server, alice.token, "budget -in:projets -in:main").count == 1)
        #expect(try await Self.texts(server, alice.token, "budget with:bob") == ["réunion budget en privé"])
        #expect(try await Self.texts(server, alice.token, "budget has:link").count == 1)
        #expect(try await Self.texts(server, alice.token, "is:mention") == ["réunion budget @alice voir https://wiki.office.lan"])
        #expect(try await Self.texts(server, bob.token, "is:mention") == [])

        // Dates are days in the caller's time zone.
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let today = formatter.string(from: Date())
        let yesterday = formatter.string(from: Date().addingTimeInterval(-86_400))
        let tomorrow = formatter.string(from: Date().addingTimeInterval(86_400))
        #expect(try await Self.texts(server, alice.token, "budget on:\(today)").count == 5)
        #expect(try await Self.texts(server, alice.token, "budget after:\(yesterday) before:\(tomorrow)").count == 5)
        #expect(try await Self.texts(server, alice.token, "budget before:\(today)").isEmpty)
        #expect(try await Self.texts(server, alice.token, "budget after:\(today)").isEmpty)
        // Fourteen hours ahead, "tomorrow" may already have begun: the zone is applied.
        let kiribati = try await Self.texts(server, alice.token, "budget on:\(today)", "&timeZone=Pacific/Kiritimati")
        let utcHour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour ?? 0
        #expect(kiribati.count == (utcHour < 10 ? 5 : 0))

        // A file sent to the room is found by its name and folder; has:file keeps only files.
        #expect(try await server.http("POST", "/api/v1/files/folders", token: bob.token,
                                      body: jsonText(["area": "room:\(projects)", "path": "finances"])).status == 201)
        let body = try FileTransferTests.write(Data("{}".utf8))
        let sent = try await FileTransferTests.curl(server, "POST", "/api/v1/uploads", token: bob.token, headers: FileTransferTests.chunk.merging([
            "Upload-Length": "2",
            "Upload-Metadata": FileTransferTests.metadata(["filename": "budget-2027.json", "area": "room:\(projects)", "folder": "finances"]),
        ]) { $1 }, bodyFile: body)
        #expect(sent.status == 201, "\(String(decoding: sent.body, as: UTF8.self))")
        _ = try await Self.eventually(server, alice.token, "budget has:file", ["budget-2027.json"])
        let files = try await Self.search(server, alice.token, "budget has:file")
        let found = try #require(files.body["results"]?.array)
        #expect(found.count == 1 && found.first?["kind"]?.string == "file" && found.first?["text"]?.string == "budget-2027.json")
        #expect(try await Self.texts(server, alice.token, "finances ") == ["budget-2027.json"])
        let file = try #require(sent.headers["x-causerie-file"])
        let renamed = try await server.http("PATCH", "/api/v1/files/\(file)", token: bob.token, body: jsonText(["name": "prévisions.json"]))
        #expect(renamed.status == 200, "\(renamed.body)")
        #expect(try await Self.eventually(server, alice.token, "previsions ", ["prévisions.json"]) == ["prévisions.json"])
        #expect(try await server.http("DELETE", "/api/v1/files/\(file)", token: bob.token).status == 200)
        #expect(try await Self.eventually(server, alice.token, "previsions ", []).isEmpty)
    }

    @Test func editsAndDeletionsChangeWhatIsFound() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        let position = try await Self.post(server, alice.token, "la livraison arrive jeudi")
        #expect(try await Self.texts(server, alice.token, "jeudi ") == ["la livraison arrive jeudi"])
        #expect(try await server.http("PATCH", "/api/v1/messages/\(position)", token: alice.token,
                                      body: jsonText(["text": "la livraison arrive vendredi"])).status == 200)
        #expect(try await Self.texts(server, alice.token, "jeudi ").isEmpty)
        let edited = try await Self.search(server, alice.token, "vendredi ")
        #expect(edited.body["results"]?.array.first?["text"]?.string == "la livraison arrive vendredi")
        #expect(edited.body["results"]?.array.first?["edited"]?.bool == true)
        #expect(edited.body["results"]?.array.first?["position"]?.int == Int(position))
        #expect(try await server.http("DELETE", "/api/v1/messages/\(position)", token: alice.token).status == 200)
        #expect(try await Self.texts(server, alice.token, "livraison ").isEmpty)
    }

    /// Who finds what: members of a room find its history; nobody else, by any operator or door.
    @Test func aUserFindsOnlyWhatTheyMayReadNowThroughEveryOperatorAndDoor() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        let secret = try await Self.createRoom(server, carol.token, "Direction", visibility: "private")
        try await Self.post(server, carol.token, "zèbre confidentiel", room: secret)
        let open = try await Self.createRoom(server, carol.token, "Ouvert")
        try await Self.post(server, carol.token, "zèbre public", room: open)
        #expect(try await server.http("POST", "/api/v1/direct/\(carol.user)/messages", token: bob.token,
                                      body: jsonText(["text": "zèbre entre nous"])).status == 201)

        // Alice: in no room of these, in no conversation.
        for q in ["zebre", "*ebr", "\"zèbre confidentiel\"", "zebre from:carol", "zebre with:carol", "is:mention", "from:carol"] {
            #expect(try await Self.texts(server, alice.token, q).isEmpty, "\(q)")
        }
        // The index's own tokens for Carol's room and authorship are not words anyone can type.
        for token in [SearchScopeTokens.room(secret), SearchScopeTokens.author(carol.user), SearchScopeTokens.file] {
            #expect(try await Self.texts(server, alice.token, token).isEmpty, "\(token)")
            #expect(try await Self.texts(server, carol.token, token).isEmpty, "\(token)")
        }
        // Naming a private room she is not in is refused exactly like a room that does not exist.
        let hidden = try await Self.search(server, alice.token, "zebre in:direction")
        let missing = try await Self.search(server, alice.token, "zebre in:nowhere")
        #expect(hidden.status == 400 && hidden.body["reason"]?.string == "unknown_room:direction")
        #expect(missing.status == 400 && missing.body["reason"]?.string == "unknown_room:nowhere")
        #expect(try await Self.search(server, alice.token, "zebre in:\(secret)").status == 400)
        // Same over the WebSocket.
        let socket = try await server.client(alice.token)
        let reply = try await socket.send("search", ["q": "zebre"])
        #expect(reply["type"]?.string == "search" && reply["results"]?.array.isEmpty == true, "\(reply)")
        await socket.close()

        // A public room she joins: its whole history, at once.
        #expect(try await server.http("POST", "/api/v1/rooms/\(open)/join", token: alice.token).status == 200)
        #expect(try await Self.texts(server, alice.token, "zebre") == ["zèbre public"])
        // Bob: his conversation with Carol.
        #expect(try await Self.texts(server, bob.token, "zebre") == ["zèbre entre nous"])
        #expect(try await Self.texts(server, bob.token, "zebre with:carol") == ["zèbre entre nous"])
        // Carol finds all three; once she leaves a room, nothing of it.
        #expect(try await Self.texts(server, carol.token, "zebre").count == 3)
        #expect(try await server.http("POST", "/api/v1/rooms/\(open)/leave", token: carol.token).status == 200)
        #expect(try await Self.texts(server, carol.token, "zebre") == ["zèbre entre nous", "zèbre confidentiel"])
        #expect(try await Self.search(server, carol.token, "zebre in:ouvert").status == 400)

        // A disabled account finds nothing (and is told so).
        let admin = try await server.adminToken()
        #expect(try await server.http("PATCH", "/api/v1/admin/users/\(bob.user)", token: admin, body: "{\"disabled\":true}").status == 200)
        let disabled = try await Self.search(server, bob.token, "zebre")
        #expect([401, 403].contains(disabled.status), "\(disabled.status) \(disabled.body)")
        // Without a session: nothing.
        #expect(try await server.http("GET", "/api/v1/search?q=zebre").status == 401)
    }

    @Test func badQueriesGetAClearErrorAndNeverAServerError() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        let alice = try await server.register("alice")
        try await Self.post(server, alice.token, "NEAR the end (of it) ^ \"quoted\" * star")
        let refusals: [(String, String, String)] = [
            ("", "", "empty_query"),
            ("   ", "", "empty_query"),
            ("-alone", "", "query_only_excludes"),
            ("*", "", "empty_query"),
            ("\"", "", "empty_query"),
            (String(repeating: "a", count: 1_001), "", "query_too_long"),
            (Array(repeating: "w", count: 40).joined(separator: " "), "", "query_too_many_terms"),
            ("from:", "", "operator_without_value:from"),
            ("x from:nobody", "", "unknown_user:nobody"),
            ("x before:2026-02-30", "", "date:before"),
            ("x has:pizza", "", "has:pizza"),
            ("x is:cool", "", "is:cool"),
            ("x -with:alice", "", "operator_cannot_be_negated:with"),
            ("x", "&order=random", "order"),
            ("x", "&timeZone=Mars/Olympus", "time_zone"),
            ("x", "&timeZone=CET%20", "time_zone"),
            ("x", "&limit=0", "out_of_range:limit"),
            ("x", "&limit=101", "out_of_range:limit"),
            ("x", "&offset=1001", "out_of_range:offset"),
            ("x", "&before=-1", "out_of_range:before"),
            ("x", "&before=18446744073709551616", "out_of_range:before"),
            ("x", "&sort=new", "unknown_parameter:sort"),
        ]
        for (q, extra, reason) in refusals {
            let result = try await Self.search(server, alice.token, q, extra)
            #expect(result.status == 400 && result.body["reason"]?.string == reason, "\(q.prefix(40)) \(extra): \(result.status) \(result.body)")
        }
        #expect(try await server.http("GET", "/api/v1/search", token: alice.token).body["reason"]?.string == "missing:q")
        // Index syntax typed by a user is text: no error, and what it says is found.
        for q in ["NEAR(the end)", "^quoted", "\"quoted", "end OR nothing", "(of it)", "star*", "\"\"quoted\"\"", "it:", "db:json"] {
            let result = try await Self.search(server, alice.token, q)
            #expect(result.status == 200, "\(q): \(result.status) \(result.body)")
        }
        #expect(try await Self.texts(server, alice.token, "NEAR(the end)").count == 1)
        #expect(try await Self.texts(server, alice.token, "\"quoted").count == 1)
        // A frame with the wrong type gets an error frame; the connection stays.
        let socket = try await server.client(alice.token)
        let wrong = try await socket.sendRaw("{\"type\":\"search\",\"id\":\"s1\",\"q\":42}")
        #expect(wrong["type"]?.string == "error" && wrong["id"]?.string == "s1")
        // 10,000 characters: too long for a URL (431 over HTTP), refused by name over the WebSocket.
        #expect(try await Self.search(server, alice.token, String(repeating: "a", count: 10_000)).status == 431)
        let long = try await socket.send("search", ["q": String(repeating: "é", count: 10_000)])
        #expect(long["type"]?.string == "error" && long["reason"]?.string == "query_too_long", "\(long)")
        let fine = try await socket.send("search", ["q": "quoted", "limit": 5])
        #expect(fine["results"]?.array.count == 1, "\(fine)")
        await socket.close()
    }

    @Test func pagesNewestFirstAndByRelevanceWithoutRepeats() async throws {
        let server = try await TestServer.start()
        defer { server.remove() }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        var posted: [Int] = []
        for index in 0..<45 {
            posted.append(Int(try await Self.post(server, alice.token, index % 3 == 0 ? "rapport rapport rapport \(index)" : "rapport \(index)")))
        }
        var seen: [Int] = []
        var cursor = ""
        while true {
            let page = try await Self.search(server, alice.token, "rapport", "&limit=20" + cursor)
            seen += (page.body["results"]?.array ?? []).compactMap { $0["position"]?.int }
            guard page.body["hasMore"]?.bool == true, let next = page.body["nextBefore"]?.int else { break }
            cursor = "&before=\(next)"
        }
        #expect(seen == posted.reversed())
        var ranked: [Int] = []
        var offset = 0
        while true {
            let page = try await Self.search(server, alice.token, "rapport", "&order=relevance&limit=20&offset=\(offset)")
            ranked += (page.body["results"]?.array ?? []).compactMap { $0["position"]?.int }
            guard let next = page.body["nextOffset"]?.int else { break }
            offset = next
        }
        #expect(Set(ranked) == Set(posted) && ranked.count == posted.count)
        // The messages that say it three times come first.
        #expect(Set(ranked.prefix(15)) == Set(posted.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)))
    }

    /// The index is a projection: it resumes where it stopped, and rebuilt from the log it holds
    /// exactly what it held live.
    @Test func theIndexResumesAfterARestartAndARebuildFindsWhatTheLiveIndexFound() async throws {
        let directory = NSTemporaryDirectory() + "causerie-search-" + UUID().uuidString
        var server = try await TestServer.start(directory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await server.relaxFloodLimit()
        let alice = try await server.register("alice")
        for index in 0..<30 { try await Self.post(server, alice.token, "note numéro \(index) \(Self.history[index % Self.history.count])") }
        let queries = ["note", "ecole", "*board", "\"quarterly review\"", "note -kanban", "елка", "json"]
        _ = try await Self.texts(server, alice.token, "note")
        await server.stop()

        server = try await TestServer.start(directory: directory)
        #expect(server.core.search.indexed.position == server.core.position)
        for index in 30..<40 { try await Self.post(server, alice.token, "note numéro \(index)") }
        let live = try await Self.allResults(server, alice.token, queries)
        let notes = try #require(live["note"])
        #expect(notes.count == 40 && Set(notes).count == 40)
        await server.stop()

        // `causerie search rebuild`: folded again from the log, offline.
        let store = try LMDBEventStore(.init(directory: directory, readOnly: true), logger: .quiet)
        let report = try await SearchIndexRebuild.run(log: store, logID: store.storeID, dataDirectory: directory)
        store.close()
        #expect(report.items == 40 && report.bytes > 0)
        server = try await TestServer.start(directory: directory)
        #expect(try await Self.allResults(server, alice.token, queries) == live)
        await server.stop()

        // Files gone: the next start indexes the log from the start.
        try SearchIndex(directory: directory + "/search").removeFiles()
        #expect(!FileManager.default.fileExists(atPath: directory + "/search/index.sqlite"))
        server = try await TestServer.start(directory: directory)
        #expect(try await Self.allResults(server, alice.token, queries) == live)
        await server.stop()

        // A damaged index file is rebuilt, not trusted.
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: directory + "/search/index.sqlite"))
        try? FileManager.default.removeItem(atPath: directory + "/search/index.sqlite-wal")
        server = try await TestServer.start(directory: directory)
        #expect(try await Self.allResults(server, alice.token, queries) == live)
        await server.stop()
    }

    static func allResults(_ server: TestServer, _ token: String, _ queries: [String]) async throws -> [String: [Int]] {
        var results: [String: [Int]] = [:]
        for q in queries {
            let page = try await search(server, token, q, "&limit=100")
            #expect(page.status == 200 && page.body["indexing"]?.bool == false, "\(q): \(page.body)")
            results[q] = (page.body["results"]?.array ?? []).compactMap { $0["position"]?.int }
        }
        return results
    }
}
