import ArgumentParser
import EventStore
import Fixtures
import Foundation
import Gateway
import Logging
import NIOCore
import NIOPosix
import Projections
import Synchronization

/// Search (issue 14, docs/search.md): an office's history of N messages in French, English and
/// Russian; the index built from the log; then 16 people searching at once, each sending the next
/// query as soon as the last is answered, while others post at 500 messages a second — all over
/// the WebSocket of the real `causerie serve`.
struct SearchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search latency under load, index build rate and size.")

    @Option(help: "Messages in the history.") var messages: Int = 1_000_000
    @Option(help: "Users (each in ten rooms).") var users: Int = 500
    @Option(help: "Rooms.") var rooms: Int = 200
    @Option(help: "People searching at once.") var searchers: Int = 16
    @Option(help: "Posts per second while searching.") var postRate: Double = 500
    @Option(help: "Seconds of searching.") var seconds: Double = 30
    @Option(help: "Parent directory for the store.") var directory: String?
    @Flag(help: "Keep the data directory written (its path is printed).") var keep = false
    @Flag(inversion: .prefixedNo, help: "Run the same queries against PostgreSQL's full-text search (the peer).")
    var baseline = true

    struct Kind: Encodable {
        var queries: Int
        var p50_ms: Double
        var p99_ms: Double
        var mean_results: Double
    }

    /// The peer's figures, measured in the same run (SearchBaseline).
    struct Baseline: Encodable {
        var engine = "postgresql tsvector+gin, pg_trgm"
        var p50_ms: Double
        var p99_ms: Double
        var kinds: [String: Kind]
        var queries_per_s: Double
        var posts_per_s: Double
        var errors: Int
        var index_msgs_per_s: Double
        var table_bytes: UInt64
        /// Causerie's p50 ÷ the peer's (below 1: Causerie is faster).
        var ratio_p50: Double
    }

    struct Report: Encodable {
        var bench = "search"
        var messages: Int
        var p50_ms: Double
        var p99_ms: Double
        var index_msgs_per_s: Double
        var ratio_to_baseline: Double?
        var kinds: [String: Kind]
        var queries_per_s: Double
        var posts_per_s: Double
        var errors: Int
        var partial: Int
        var index_bytes: UInt64
        var text_bytes: Int
        var index_to_text: Double
        var build_seconds: Double
        var baseline: Baseline?
    }

    func run() async throws {
        let path = Measure.scratchDirectory("search", under: directory)
        defer { if !keep { try? FileManager.default.removeItem(atPath: path) } else { Measure.note("kept \(path)") } }
        let textBytes = try await writeHistory(path)

        Measure.note("building the index from the log…")
        let store = try LMDBEventStore(.init(directory: path, readOnly: true), logger: .init(label: "bench"))
        let build = try await SearchIndexRebuild.run(log: store, logID: store.storeID, dataDirectory: path)
        store.close()
        let buildRate = Double(messages) / build.seconds
        Measure.note("index: \(build.items) items in \(Measure.round(build.seconds, 1)) s (\(Int(buildRate)) messages/s), \(build.bytes / 1_048_576) MiB for \(textBytes / 1_048_576) MiB of text")

        let server = try ServerProcess(directory: path, configuration: [
            "limits": ["searchBurst": 1_000_000, "searchesPerMinute": 60_000_000],
        ])
        defer { server.stop() }
        try await server.waitReady(timeout: 600)
        let load = try await searchUnderLoad(port: server.port)
        let (kinds, all) = Self.kinds(load.samples)
        server.stop()
        Measure.note("Causerie: p50 \(Measure.round(Measure.percentile(all, 0.5))) ms, p99 \(Measure.round(Measure.percentile(all, 0.99))) ms, "
            + "\(all.count) queries, \(load.errors) errors, \(load.partial) partial; by kind: "
            + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.p50_ms)/\($0.value.p99_ms)" }.joined(separator: ", "))
        var peer: Baseline?
        if baseline {
            let result = try await SearchBaseline(messages: messages, users: users, searchers: searchers, postRate: postRate,
                                                  seconds: seconds, directory: path).run()
            peer = Self.summary(result, seconds: seconds, messages: messages, ours: all)
        }
        try Measure.report(Report(
            messages: messages, p50_ms: Measure.round(Measure.percentile(all, 0.5)), p99_ms: Measure.round(Measure.percentile(all, 0.99)),
            index_msgs_per_s: Measure.round(buildRate, 0),
            ratio_to_baseline: peer.map { Measure.round(Measure.percentile(all, 0.99) / max(0.001, $0.p99_ms)) }, kinds: kinds,
            queries_per_s: Measure.round(Double(all.count) / seconds, 1), posts_per_s: Measure.round(load.posts / seconds, 1),
            errors: load.errors, partial: load.partial, index_bytes: build.bytes, text_bytes: textBytes,
            index_to_text: Measure.round(Double(build.bytes) / Double(max(1, textBytes))), build_seconds: Measure.round(build.seconds, 2), baseline: peer))
    }

    static func kinds(_ samples: [String: [Sample]]) -> (kinds: [String: Kind], all: [Double]) {
        var kinds: [String: Kind] = [:]
        var all: [Double] = []
        for (name, samples) in samples {
            let sorted = samples.map(\.ms).sorted()
            all += sorted
            kinds[name] = Kind(queries: sorted.count, p50_ms: Measure.round(Measure.percentile(sorted, 0.5)),
                               p99_ms: Measure.round(Measure.percentile(sorted, 0.99)),
                               mean_results: Measure.round(Double(samples.reduce(0) { $0 + $1.results }) / Double(max(1, samples.count)), 1))
        }
        return (kinds, all.sorted())
    }

    static func summary(_ result: SearchBaseline.Result, seconds: Double, messages: Int, ours: [Double]) -> Baseline {
        let (kinds, all) = kinds(result.samples)
        let p50 = Measure.percentile(all, 0.5)
        return Baseline(p50_ms: Measure.round(p50), p99_ms: Measure.round(Measure.percentile(all, 0.99)), kinds: kinds,
                        queries_per_s: Measure.round(Double(all.count) / seconds, 1), posts_per_s: Measure.round(result.posts / seconds, 1),
                        errors: result.errors, index_msgs_per_s: Measure.round(Double(messages) / result.loadSeconds, 0),
                        table_bytes: result.bytes, ratio_p50: Measure.round(Measure.percentile(ours, 0.5) / max(0.001, p50)))
    }

    // MARK: The history

    /// Users, rooms (each user in ten), then the messages written straight to the log.
    private func writeHistory(_ path: String) async throws -> Int {
        Measure.note("writing \(messages) messages…")
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(users, passwordHash: hash)
        for room in 0..<rooms {
            try fixture.run(CreateRoom(room: RoomID("r\(room)"), name: "room-\(room)", visibility: .public), by: Fixture.user(room % users))
        }
        for user in 0..<users {
            for offset in 1...10 { try fixture.run(JoinRoom(room: Self.room(of: user, offset)), by: Fixture.user(user)) }
        }
        try fixture.flushSync()
        var batch: [NewEvent] = []
        var textBytes = 0
        for index in 0..<messages {
            let user = index % users
            let text = OfficeText.message(index)
            textBytes += text.utf8.count
            let event = DomainEvent.messagePosted(.init(clientID: "c\(index)", text: text, replyTo: nil, mentions: []))
            batch.append(NewEvent(stream: Streams.room(Self.room(of: user, index % 10 + 1)), type: event.tag,
                                  actor: Fixture.user(user).rawValue, payload: event.encodedPayload()))
            if batch.count == 5000 {
                try await fixture.store.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await fixture.store.append(batch) }
        try fixture.close()
        return textBytes
    }

    static func room(of user: Int, _ offset: Int) -> RoomID { RoomID("r\((user + offset * 7) % 200)") }

    // MARK: The load

    struct Sample: Sendable {
        var ms: Double
        var results: Int
    }

    struct Load {
        var samples: [String: [Sample]]
        var posts: Double
        var errors: Int
        var partial: Int
    }

    /// One searcher: its connection, the query in flight, and what it measured.
    final class Searcher: Sendable {
        struct State {
            var sentAt: UInt64 = 0
            var kind = ""
            var counter = 0
            var samples: [String: [Sample]] = [:]
            var errors = 0
            var partial = 0
            var running = true
        }

        let number: Int
        let user: Int
        let state = Mutex(State())
        private let connection = Mutex<BenchConnection?>(nil)

        init(number: Int, user: Int) {
            self.number = number
            self.user = user
        }

        func attach(_ connection: BenchConnection) { self.connection.withLock { $0 = connection } }

        /// Sends the next query (kinds in turn).
        func sendNext() {
            let frame = state.withLock { state -> String? in
                guard state.running else { return nil }
                state.counter += 1
                let (kind, query) = OfficeText.query(state.counter &* 7919 &+ number &* 104_729, user: user)
                state.kind = kind
                state.sentAt = monotonicNanoseconds()
                return SearchBenchmark.searchFrame(id: "s\(state.counter)", query)
            }
            guard let frame else { return }
            connection.withLock { $0 }?.send(frame)
        }

        func received(_ bytes: [UInt8]) {
            guard Frames.contains(bytes, SearchBenchmark.searchReply) || Frames.contains(bytes, Frames.error) else { return }
            let now = monotonicNanoseconds()
            state.withLock { state in
                if Frames.contains(bytes, Frames.error) {
                    state.errors += 1
                } else {
                    if Frames.contains(bytes, SearchBenchmark.partialTrue) { state.partial += 1 }
                    let results = Frames.count(SearchBenchmark.positionKey, in: bytes)
                    state.samples[state.kind, default: []].append(Sample(ms: Double(now - state.sentAt) / 1e6, results: results))
                }
            }
            sendNext()
        }
    }

    static let searchReply = Array(#"{"type":"search""#.utf8)
    static let partialTrue = Array(#""partial":true"#.utf8)
    static let positionKey = Array(#""position":"#.utf8)

    static func searchFrame(id: String, _ query: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["type": "search", "id": id, "q": query, "limit": 20])
        return String(decoding: data, as: UTF8.self)
    }

    private func searchUnderLoad(port: Int) async throws -> Load {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Searchers are users 100…; posters users 0…9, posting in their own rooms.
        let team = (0..<searchers).map { Searcher(number: $0, user: 100 + $0 * 7 % max(1, users - 100)) }
        for searcher in team {
            let connection = try await BenchConnection.open(port: port, token: Fixture.token(searcher.user), group: group) { frame in
                searcher.received(frame)
            }
            searcher.attach(connection)
        }
        let posters = try await openConnections(count: 10) { index in
            try await BenchConnection.open(port: port, token: Fixture.token(index), group: group) { _ in }
        }
        try await Task.sleep(for: .seconds(1))
        Measure.note("\(searchers) searchers for \(seconds) s while posting \(Int(postRate))/s…")
        for searcher in team { searcher.sendNext() }
        let clock = ContinuousClock()
        let start = clock.now
        var posted = 0
        while clock.now - start < .milliseconds(Int64(seconds * 1000)) {
            let due = Int(Measure.seconds(clock.now - start) * postRate)
            while posted < due {
                let poster = posted % posters.count
                let room = Self.room(of: poster, posted % 10 + 1).rawValue
                let text = OfficeText.message(messages + posted)
                let data = try JSONSerialization.data(withJSONObject: [
                    "type": "post", "id": "p\(posted)", "room": room, "clientId": "bench-\(posted)", "text": text,
                ])
                posters[poster].send(String(decoding: data, as: UTF8.self))
                posted += 1
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        var load = Load(samples: [:], posts: Double(posted), errors: 0, partial: 0)
        for searcher in team {
            searcher.state.withLock { state in
                state.running = false
                for (kind, samples) in state.samples { load.samples[kind, default: []] += samples }
                load.errors += state.errors
                load.partial += state.partial
            }
        }
        try? await Task.sleep(for: .milliseconds(500))
        try? await group.shutdownGracefully()
        return load
    }
}

extension Frames {
    /// How many times `needle` occurs in `bytes`.
    static func count(_ needle: [UInt8], in bytes: [UInt8]) -> Int {
        var count = 0
        var rest = bytes[...]
        while let index = find(needle, in: Array(rest)) {
            count += 1
            rest = rest.dropFirst(index + needle.count)
        }
        return count
    }
}

/// Office chat as it reads: mostly short lines, some long ones, in French, English and Russian,
/// with links and file names; word frequencies skewed like real text (a few words very common,
/// most rare). Deterministic: message `i` is always the same text.
enum OfficeText {
    static let french = """
        bonjour merci réunion demain lundi mardi mercredi jeudi vendredi projet client facture rapport budget école \
        équipe planning livraison réseau serveur imprimante café déjeuner congés télétravail salle dossier fichier \
        version recette production problème question réponse semaine matin soir urgent rappel signature contrat \
        commande fournisseur stock inventaire comptabilité paie formation entretien recrutement présentation \
        tableau graphique chiffre objectif résultat trimestre année mois journée bureau étage parking badge clé \
        accès mot passe compte utilisateur sauvegarde restauration mise jour correctif déploiement
        """.split(separator: " ").map(String.init)
    static let english = """
        hello thanks meeting tomorrow monday tuesday wednesday thursday friday project client invoice report budget \
        team schedule delivery network server printer coffee lunch holiday remote room folder file version release \
        problem question answer week morning evening urgent reminder signature contract order supplier stock review \
        quarterly dashboard kanban board sprint ticket deadline customer support backup restore update patch deploy \
        password account user access badge office floor parking desk chart target result quarter year month
        """.split(separator: " ").map(String.init)
    static let russian = """
        привет спасибо встреча завтра понедельник вторник среда четверг пятница проект клиент счёт отчёт бюджет \
        команда график поставка сеть сервер принтер кофе обед отпуск удалённо комната папка файл версия выпуск \
        проблема вопрос ответ неделя утро вечер срочно напоминание подпись договор заказ поставщик склад ёлка \
        пароль доступ пользователь резервная копия обновление офис этаж парковка стол цель результат квартал год
        """.split(separator: " ").map(String.init)
    static let languages = [french, french, french, english, english, russian]

    /// SplitMix64: a good spread from any seed.
    static func mix(_ seed: Int) -> UInt64 {
        var z = UInt64(bitPattern: Int64(seed)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A skewed pick: low indexes far more often than high ones.
    static func pick(_ words: [String], _ random: UInt64) -> String {
        let u = Double(random % 1_000_003) / 1_000_003
        return words[min(words.count - 1, Int(u * u * u * Double(words.count)))]
    }

    static func message(_ index: Int) -> String {
        var random = mix(index)
        let words = languages[Int(random % 6)]
        random = mix(Int(truncatingIfNeeded: random))
        // 90 % one to twelve words, 10 % twenty to sixty.
        let count = random % 10 == 0 ? 20 + Int(random >> 8 % 41) : 1 + Int((random >> 8) % 12)
        var text: [String] = []
        for position in 0..<count {
            let word = pick(words, mix(index &* 131 &+ position))
            text.append(position == 0 ? word.prefix(1).uppercased() + word.dropFirst() : word)
        }
        switch random >> 20 % 100 {
        case 0..<3: text.append("https://intranet.office.lan/wiki/\(pick(english, random >> 3))")
        case 3..<5: text.append("\(pick(english, random >> 5))-\(index % 1000).json")
        default: break
        }
        return text.joined(separator: " ")
    }

    /// A query of each kind in turn: (kind, text).
    static func query(_ seed: Int, user: Int) -> (String, String) {
        let random = mix(seed)
        let words = languages[Int(random % 6)]
        let word = pick(words, random >> 8)
        switch seed % 5 {
        case 0:
            return ("word", word + " ")
        case 1:
            return ("prefix", String(word.prefix(max(2, word.count / 2))))
        case 2:
            // Two words that follow each other in some message.
            let text = message(Int(random % 1_000_000)).split(separator: " ")
            guard text.count >= 2 else { return ("phrase", "\"\(word)\"") }
            let at = Int(random >> 16) % (text.count - 1)
            return ("phrase", "\"\(text[at]) \(text[at + 1])\"")
        case 3:
            switch random >> 24 % 4 {
            case 0: return ("operators", "\(word) from:user\(Int(random >> 32) % 500)")
            case 1: return ("operators", "\(word) in:room-\(SearchBenchmark.room(of: user, 1 + Int(random >> 32) % 10).rawValue.dropFirst())")
            case 2: return ("operators", "\(word) has:link")
            default: return ("operators", "\(word) -\(pick(words, random >> 40)) after:2020-01-01")
            }
        default:
            return ("infix", "*" + String(word.dropFirst(max(1, word.count / 3)).prefix(4)))
        }
    }
}
