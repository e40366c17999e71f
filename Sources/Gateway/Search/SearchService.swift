import Dispatch
import EventStore
import Foundation
import Logging
import Operations
import Projections
import Synchronization
import Wire

/// Search, for every door (HTTP `GET /api/v1/search`, the WebSocket `search` command): parse,
/// resolve what the caller may read (`SearchScope`), ask the index, and render the page.
///
/// Rights are applied at query time, never stored in the index: a user who leaves a room stops
/// finding it at once, and one who joins finds its whole history (as its history shows them).
struct SearchService {
    enum Order: String, Sendable {
        case newest
        case relevance
    }

    struct Request: Sendable {
        var text: String
        var order: Order = .newest
        var limit = 20
        /// Newest first: results before this position (the previous page's last).
        var before: UInt64?
        /// By relevance: results to skip.
        var offset = 0
        var timeZone = TimeZone(identifier: "UTC")!

        init(text: String) { self.text = text }

        /// What a door received, checked: one set of rules for every door.
        init(text: String?, order: String?, limit: SearchPageSize?, before: Position?, offset: SearchOffset?,
             timeZone: String?) throws(APIError)
        {
            guard let text else { throw APIError.invalid("missing:q") }
            self.text = text
            if let order {
                guard let known = Order(rawValue: order) else { throw APIError.invalid("order") }
                self.order = known
            }
            self.limit = limit?.value ?? 20
            self.before = before?.value
            self.offset = offset?.value ?? 0
            if let timeZone {
                // IANA names only ("Europe/Paris"), as browsers give them; no abbreviations.
                guard timeZone.utf8.count <= 64, timeZone.contains("/") || timeZone == "UTC",
                      let zone = TimeZone(identifier: timeZone)
                else { throw APIError.invalid("time_zone") }
                self.timeZone = zone
            }
        }
    }

    /// A search may run this long in SQLite; what it found by then is answered as `partial`.
    static let deadline: Duration = .milliseconds(1_000)
    /// How long a search waits for the index to reach what the caller has already seen.
    static let catchUp: Duration = .milliseconds(500)
    /// Searching is costlier than posting: by default 30 at once, then 10 a second, per user
    /// (`limits.searchBurst`, `limits.searchesPerMinute`).
    var rate: FloodLimit {
        FloodLimit(burst: core.configuration.limits.searchBurst, perMinute: core.configuration.limits.searchesPerMinute)
    }

    let core: ChatCore
    var index: SearchIndex { core.search }

    /// One page of results as the JSON object both doors send.
    /// `header` writes the door's own first fields (the WebSocket reply's type and id).
    func search(_ request: Request, by user: UserID, header: (inout JSONWriter) -> Void = { _ in }) async throws(APIError)
        -> [UInt8]
    {
        if let wait = core.searchFlood.take(user, limit: rate) { throw APIError.rateLimited("search_rate", after: wait) }
        let query: SearchQuery
        do throws(Rejection) {
            query = try SearchQuery(parsing: request.text)
        } catch {
            throw APIError(error)
        }
        let indexing = await caughtUp(for: user) == false
        let visibleFrom = await core.visibility().from
        let resolved = core.withState { state -> Result<SearchScope, Rejection> in
            Result { () throws(Rejection) in try SearchScope(query, for: user, in: state) }
        }
        let scope: SearchScope
        switch resolved {
        case .success(let found): scope = found
        case .failure(let rejection): throw APIError(rejection)
        }
        var plan = SearchPlan(query: query, scope: scope, request: request, user: user, visibleFrom: visibleFrom)
        var found = try await run(plan)
        var fallback = false
        if found.rows.isEmpty, !found.partial, request.before == nil, request.offset == 0, let wider = plan.infixFallback() {
            // Nothing as words: the same letters inside words (`board` finds `dashboard`).
            plan = wider
            found = try await run(plan)
            fallback = true
        }
        return await render(found, plan: plan, indexing: indexing, fallback: fallback, header: header)
    }

    /// Whether the index is caught up: it holds what the searcher wrote (waiting a little for it,
    /// so that a message just sent is found) and what the views held a moment ago (what has been on
    /// screens for a tenth of a second), and it is not far behind the log (catching up after a
    /// rebuild). Waiting for the log's head itself made every search wait for the indexer's next
    /// commit while people post (the benchmark's p50 went from 30 ms to 200 ms at 500 posts/s).
    private func caughtUp(for user: UserID) async -> Bool {
        let head = core.position
        let lagging = index.indexed.position + UInt64(SearchIndexer.batch) < head
        let settled = core.settledPositions.withLock { $0.older }
        let target = min(head, max(settled, core.lastWrites.withLock { $0[user] ?? 0 }))
        if index.indexed.position >= target { return !lagging }
        let index = self.index
        let reached = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await index.indexed.wait(for: target); return !Task.isCancelled }
            group.addTask { try? await Task.sleep(for: Self.catchUp); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || index.indexed.position >= target
        }
        return reached && !lagging
    }

    private func run(_ plan: SearchPlan) async throws(APIError) -> SearchPlan.Found {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(Self.deadline.components.seconds) * 1_000_000_000
            + UInt64(Self.deadline.components.attoseconds / 1_000_000_000)
        do {
            return try await index.read { connection in try plan.execute(on: connection, until: deadline) }
        } catch {
            core.logger.error("search failed", metadata: ["error": "\(error)"])
            throw APIError(code: "unavailable", reason: "search_index", status: 503, retryAfter: 5)
        }
    }

    // MARK: Rendering

    private func render(
        _ found: SearchPlan.Found, plan: SearchPlan, indexing: Bool, fallback: Bool, header: (inout JSONWriter) -> Void
    ) async -> [UInt8] {
        let rows = found.rows.prefix(plan.limit)
        var texts: [Int64: (text: String, edited: Bool)] = [:]
        for row in rows where row.kind == .message {
            if let text = await messageText(row) { texts[row.id] = text }
        }
        var json = JSONWriter()
        json.beginObject()
        header(&json)
        json.field("query", plan.request.text)
        json.field("order", plan.request.order.rawValue)
        json.beginArray("results")
        core.withState { state in
            for row in rows {
                let text: String
                var edited = false
                if row.kind == .message {
                    guard let found = texts[row.id] else { continue }  // deleted since it was indexed
                    (text, edited) = found
                } else {
                    text = row.label ?? ""
                }
                let room = state.rooms[RoomID(row.room)]
                json.beginObject()
                json.field("position", UInt64(row.id))
                json.field("room", row.room)
                json.field("roomName", roomName(room, for: plan.user, in: state))
                json.field("roomKind", room.map { EventRenderer.visibility($0.visibility) } ?? "public")
                json.field("author", row.author)
                json.field("authorName", state.accounts[UserID(row.author)]?.profile.displayName ?? row.author)
                json.field("time", row.time / 1000)
                json.field("kind", row.kind.name)
                if let file = row.file { json.field("file", file) }
                json.field("text", text)
                json.field("edited", edited)
                json.beginArray("highlights")
                for range in SearchMatch.highlights(of: plan.query, in: text) {
                    json.beginArray()
                    for number in range { json.element(number) }
                    json.endArray()
                }
                json.endArray()
                json.endObject()
            }
        }
        json.endArray()
        json.field("hasMore", found.rows.count > plan.limit)
        if plan.request.order == .newest, found.rows.count > plan.limit, let last = rows.last {
            json.field("nextBefore", UInt64(last.id))
        }
        if plan.request.order == .relevance, found.rows.count > plan.limit {
            json.field("nextOffset", plan.request.offset + plan.limit)
        }
        json.field("partial", found.partial)
        json.field("indexing", indexing)
        if fallback { json.field("fallback", "infix") }
        json.endObject()
        return json.bytes
    }

    /// A conversation is named after the other person in it; a room by its name.
    private func roomName(_ room: RoomsView.Room?, for user: UserID, in state: borrowing ChatState) -> String {
        guard let room else { return "" }
        guard room.visibility == .direct else { return room.name }
        let other = room.members.union(room.history.keys).first { $0 != user } ?? user
        return state.accounts[other]?.profile.displayName ?? room.name
    }

    /// A message's current text: its last edit, or what it was posted with (from the log).
    private func messageText(_ row: SearchPlan.Row) async -> (text: String, edited: Bool)? {
        let room = RoomID(row.room)
        let revision = core.withState { $0.timelines[room]?.revisions[MessageID(row.id)] }
        if let revision {
            guard !revision.deleted, let text = revision.text else { return nil }
            return (text, revision.edited)
        }
        guard let record = try? await core.store.read(from: UInt64(row.id), limit: 1).first,
              record.position == UInt64(row.id), let stored = try? ChatCore.decode(record),
              case .messagePosted(let posted) = stored.event
        else { return nil }
        return (posted.text, false)
    }
}

extension SearchIndex.Kind {
    var name: String {
        switch self {
        case .message: "message"
        case .file: "file"
        case .folder: "folder"
        }
    }
}
