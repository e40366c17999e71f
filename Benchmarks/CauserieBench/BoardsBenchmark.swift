import ArgumentParser
import CauserieClient
import EventStore
import Fixtures
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Gateway
import NIOCore
import NIOPosix
import Operations
import Projections
import Synchronization

/// Kanban boards (issue 15, docs/boards.md): a board of 10,000 cards over 8 stages —
/// - its history replayed to a date (the fold `GET boards/{b}?asOf=` and `causerie replay --board`
///   do), in events per second, from the log;
/// - the whole board answered by the real server (`GET /api/v1/boards/{b}`: what a browser fetches
///   to open it), p50 over repeated reads; the browser's own open time is `Tests/Browser/bench.py`'s;
/// - a move delivered to 100 members watching the board over WebSockets while moves go on at
///   1,000 a minute: from the mover's request to each viewer's frame, p50/p99.
struct BoardsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boards", abstract: "Board replay rate, board read time, and move fan-out latency to viewers.")

    @Option(help: "Cards on the board.") var cards: Int = 10_000
    @Option(help: "Stages (columns).") var stages: Int = 8
    @Option(help: "Moves in the history before the benchmark (the replay reads them all).") var history: Int = 200_000
    @Option(help: "Members watching the board.") var viewers: Int = 100
    @Option(help: "Moves per minute while measuring.") var movesPerMinute: Double = 1_000
    @Option(help: "Seconds of moving.") var seconds: Double = 30
    @Option(help: "The browser's open time, measured by Tests/Browser/bench.py (ms), to report beside.") var openMs: Double?
    @Option(help: "Parent directory for the store.") var directory: String?
    @Option(help: "Times the replay is run (the best is reported).") var replayRuns: Int = 3
    @Option(help: "Only replay: keep the written board in this directory (written once when missing) and measure its replay (for profiling).")
    var replayOnly: String?

    struct Report: Encodable {
        var bench = "boards"
        var cards: Int
        var open_ms: Double?
        var move_p50_ms: Double
        var move_p99_ms: Double
        var deliveries: Int
        var moves: Int
        var moves_per_min: Double
        var lost: Int
        var board_get_ms: Double
        var board_bytes: Int
        var replay_events: Int
        var replay_events_per_s: Double
        var replay_seconds: Double
    }

    static let board = BoardID("bench-board")
    static func stage(_ index: Int) -> StageID { StageID("s\(index)") }

    func run() async throws {
        if let replayOnly {
            if !FileManager.default.fileExists(atPath: replayOnly) { try writeBoard(replayOnly) }
            let replay = try await replayRate(replayOnly)
            Measure.note("replay: \(replay.events) events in \(Measure.round(replay.seconds, 2)) s (\(Int(replay.rate)) events/s)")
            return
        }
        let path = Measure.scratchDirectory("boards", under: directory)
        defer { try? FileManager.default.removeItem(atPath: path) }
        Measure.note("writing a board of \(cards) cards over \(stages) stages and \(history) moves…")
        try writeBoard(path)

        let replay = try await replayRate(path)
        Measure.note("replay: \(replay.events) events in \(Measure.round(replay.seconds, 2)) s (\(Int(replay.rate)) events/s)")

        let server = try ServerProcess(directory: path, configuration: ["limits": ["searchBurst": 1_000_000]])
        defer { server.stop() }
        try await server.waitReady(timeout: 600)
        let (getMs, bytes) = try await boardReadTime(port: server.port)
        Measure.note("GET board: \(Measure.round(getMs, 1)) ms for \(bytes / 1024) KiB")
        let fanout = try await movesToViewers(port: server.port)
        try Measure.report(Report(
            cards: cards, open_ms: openMs, move_p50_ms: Measure.round(Measure.percentile(fanout.latencies, 0.5)),
            move_p99_ms: Measure.round(Measure.percentile(fanout.latencies, 0.99)), deliveries: fanout.latencies.count,
            moves: fanout.moves, moves_per_min: Measure.round(Double(fanout.moves) / seconds * 60, 1),
            lost: fanout.moves * viewers - fanout.latencies.count, board_get_ms: Measure.round(getMs, 2), board_bytes: bytes,
            replay_events: replay.events, replay_events_per_s: Measure.round(replay.rate, 0), replay_seconds: Measure.round(replay.seconds, 3)))
    }

    // MARK: The board

    /// Users 0…viewers (user 0 owns the board, the others edit it), the board, its cards spread
    /// over the stages, then `history` moves between stages: a year of a busy board.
    private func writeBoard(_ path: String) throws {
        let hash = PasswordHasher.hashNowForFixtures("bench")
        let fixture = try Fixture(directory: path)
        try fixture.initialize(passwordHash: hash)
        try fixture.addUsers(viewers + 1, passwordHash: hash)
        let stageList = (0..<stages).map { (id: Self.stage($0), name: "Stage \($0)", done: $0 == stages - 1) }
        let members = (1...viewers).map { (Fixture.user($0), BoardRole.editor) }
        try fixture.run(CreateBoard(board: Self.board, settings: BoardSettings(title: "Bench"), stages: stageList, lane: (LaneID("l0"), ""),
                                    members: members), by: Fixture.user(0))
        for index in 0..<cards {
            try fixture.run(CreateCard(board: Self.board, card: CardID("c\(index)"), stage: Self.stage(index % stages),
                                       fields: CardFields(title: "Card \(index): \(Measure.payloadText(index).prefix(40))",
                                                          assignees: [Fixture.user(1 + index % viewers)])), by: Fixture.user(0))
        }
        for index in 0..<history {
            let card = CardID("c\((index &* 7919) % cards)")
            try fixture.run(MoveCard(board: Self.board, card: card, stage: Self.stage((index / 3) % stages), placement: .top,
                                     overLimit: true), by: Fixture.user(1 + index % viewers))
        }
        try fixture.close()
    }

    /// The board's stream read and folded up to its last event: what `asOf` does.
    private func replayRate(_ path: String) async throws -> (events: Int, seconds: Double, rate: Double) {
        let store = try LMDBEventStore(.init(directory: path, readOnly: true), logger: .init(label: "bench"))
        defer { store.close() }
        var best: (Int, Double) = (0, .infinity)
        Measure.note("replaying…")
        for _ in 0..<replayRuns {
            let start = ContinuousClock.now
            var view = BoardsView(replaying: true)
            var count = 0
            var version: UInt64 = 1
            while true {
                let records = try await store.readStream(Streams.board(Self.board), from: version, direction: .forward, limit: 4096)
                for record in records {
                    view.apply(try StoredEvent(record))
                    count += 1
                }
                guard let last = records.last, records.count == 4096 else { break }
                version = last.streamVersion + 1
            }
            view.finishReplay()
            let elapsed = Measure.seconds(ContinuousClock.now - start)
            guard view[Self.board]?.cards.count == cards, view[Self.board]?.lists.values.reduce(0, { $0 + $1.count }) == cards else {
                throw BenchError("the replayed board is not whole")
            }
            if elapsed < best.1 { best = (count, elapsed) }
        }
        // Where the time goes: reading the stream alone, then decoding too.
        for decode in [false, true] {
            let start = ContinuousClock.now
            var version: UInt64 = 1
            var count = 0
            while true {
                let records = try await store.readStream(Streams.board(Self.board), from: version, direction: .forward, limit: 4096)
                if decode { for record in records { _ = try StoredEvent(record) } }
                count += records.count
                guard let last = records.last, records.count == 4096 else { break }
                version = last.streamVersion + 1
            }
            let elapsed = Measure.seconds(ContinuousClock.now - start)
            Measure.note("replay, \(decode ? "read and decode" : "read only"): \(Int(Double(count) / elapsed)) events/s")
        }
        return (best.0, best.1, Double(best.0) / best.1)
    }

    /// `GET /api/v1/boards/{b}` for the whole board, as the owner: p50 of 20.
    private func boardReadTime(port: Int) async throws -> (Double, Int) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/boards/\(Self.board.rawValue)")!)
        request.setValue("Bearer \(Fixture.token(0))", forHTTPHeaderField: "Authorization")
        var times: [Double] = []
        var bytes = 0
        for _ in 0..<20 {
            let start = ContinuousClock.now
            let (data, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw BenchError("GET board: \(response)") }
            times.append(Measure.milliseconds(ContinuousClock.now - start))
            bytes = data.count
        }
        return (Measure.percentile(times.sorted(), 0.5), bytes)
    }

    // MARK: Moves to viewers

    /// When each move was sent, by card (each move moves another card, so a card names its move).
    final class MoveClock: Sendable {
        let sent = Mutex<[String: UInt64]>([:])
        let latencies = Mutex<[Double]>([])
        static let cardKey = Array(#""card":""#.utf8)
        static let moved = Array(#""kind":"card.moved""#.utf8)

        func received(_ bytes: [UInt8]) {
            let now = monotonicNanoseconds()
            guard Frames.contains(bytes, Self.moved), let card = Self.card(in: bytes) else { return }
            guard let sentAt = sent.withLock({ $0[card] }) else { return }
            latencies.withLock { $0.append(Double(now - sentAt) / 1e6) }
        }

        static func card(in bytes: [UInt8]) -> String? {
            guard let start = Frames.find(cardKey, in: bytes) else { return nil }
            let from = start + cardKey.count
            guard let end = bytes[from...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            return String(decoding: bytes[from..<end], as: UTF8.self)
        }
    }

    private func movesToViewers(port: Int) async throws -> (latencies: [Double], moves: Int) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clock = MoveClock()
        Measure.note("\(viewers) viewers; moving \(Int(movesPerMinute)) cards a minute for \(seconds) s…")
        let connections = try await openConnections(count: viewers) { index in
            try await BenchConnection.open(port: port, token: Fixture.token(index + 1), group: group) { clock.received($0) }
        }
        try await Task.sleep(for: .seconds(1))
        let session = URLSession(configuration: .ephemeral)
        let interval = 60.0 / movesPerMinute
        let start = ContinuousClock.now
        var moves = 0
        while Measure.seconds(ContinuousClock.now - start) < seconds {
            let due = start + .milliseconds(Int64(Double(moves) * interval * 1000))
            if ContinuousClock.now < due { try await Task.sleep(until: due) }
            // A card not moved before in this run, to a stage it is not in.
            let card = "c\((moves &* 104_729 &+ 13) % cards)"
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/boards/\(Self.board.rawValue)/cards/\(card)/move")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(Fixture.token(1))", forHTTPHeaderField: "Authorization")
            request.httpBody = Data(#"{"stage":"\#(Self.stage(moves % stages).rawValue)","position":"top","overLimit":true}"#.utf8)
            clock.sent.withLock { $0[card] = monotonicNanoseconds() }
            let (_, response) = try await session.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw BenchError("move: \(response)") }
            moves += 1
        }
        try await Task.sleep(for: .seconds(2))
        for connection in connections { await connection.socket.close() }
        try? await group.shutdownGracefully()
        return (clock.latencies.withLock { $0 }.sorted(), moves)
    }
}
