import EventStore
import Projections

/// A board's past, read from its stream in the log (through `EventLog` only): the board as it was
/// at a moment, and one card's activity. Nothing is kept for this: the log is the history.
struct BoardHistory: Sendable {
    let core: ChatCore
    static let chunk = 4096

    /// The board folded from its own events up to `until` (microseconds), and the position of
    /// the last event folded.
    func board(_ board: BoardID, until: Int64) async throws -> (BoardsView.Board?, UInt64) {
        var view = BoardsView(replaying: true)
        var position: UInt64 = 0
        try await each(board) { stored in
            guard stored.timestamp <= until else { return false }
            view.apply(stored)
            position = stored.position
            return true
        }
        view.finishReplay()
        return (view[board], position)
    }

    /// Every event about one card, oldest first (at most `limit`, the newest ones).
    func activity(_ board: BoardID, card: CardID, limit: Int = 1000) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        try await each(board) { stored in
            if BoardEvents.card(of: stored.event) == card {
                events.append(stored)
                if events.count > limit { events.removeFirst(events.count - limit) }
            }
            return true
        }
        return events
    }

    /// Calls `body` with each event of the board's stream in order until it answers false.
    private func each(_ board: BoardID, _ body: (StoredEvent) throws -> Bool) async throws {
        var version: UInt64 = 1
        while true {
            let records = try await core.store.readStream(Streams.board(board), from: version, direction: .forward, limit: Self.chunk)
            for record in records {
                guard try body(try ChatCore.decode(record)) else { return }
            }
            guard let last = records.last, records.count == Self.chunk else { return }
            version = last.streamVersion + 1
        }
    }
}
