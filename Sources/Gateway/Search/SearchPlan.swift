import Dispatch
import Foundation
import Operations
import Projections

/// One search as SQL over the index: which table drives it, the filters, the order, the page.
///
/// The driving table is the most selective one the query has: the word index when it has a word
/// (FTS5 walks its postings newest first, or by bm25 for relevance), else the trigram index for
/// an infix, else the items themselves (a search by filters alone: `from:alice has:file`).
/// Everything else is a filter on `items`, bound as parameters — user text is never SQL.
struct SearchPlan: Sendable {
    struct Row: Sendable {
        var id: Int64
        var room: String
        var author: String
        var time: Int64
        var kind: SearchIndex.Kind
        var file: String?
        var label: String?
    }

    struct Found: Sendable {
        var rows: [Row]
        /// The deadline passed: these are the results found by then.
        var partial: Bool
    }

    var query: SearchQuery
    let scope: SearchScope
    let request: SearchService.Request
    let user: UserID
    let visibleFrom: UInt64
    var limit: Int { request.limit }

    init(query: SearchQuery, scope: SearchScope, request: SearchService.Request, user: UserID, visibleFrom: UInt64) {
        self.query = query
        self.scope = scope
        self.request = request
        self.user = user
        self.visibleFrom = visibleFrom
    }

    /// The same search with its words of three letters or more looked for inside words, or nil
    /// when that would change nothing.
    func infixFallback() -> SearchPlan? {
        var wider = self
        var changed = false
        for index in wider.query.terms.indices {
            let term = wider.query.terms[index]
            guard !term.negated, !term.quoted, term.match != .infix, term.words.count == 1, term.words[0].unicodeScalars.count >= 3 else { continue }
            wider.query.terms[index].match = .infix
            changed = true
        }
        return changed ? wider : nil
    }

    // MARK: SQL

    /// The word index's expression for everything it can decide: the words, the caller's rooms,
    /// authors, mentions, files and links, as one FTS5 query over the `body` and `scope` columns
    /// (FTS5 intersects the postings, skipping; nothing is checked row by row).
    func wordIndexExpression(words: String?) -> String {
        var parts: [String] = []
        if let words { parts.append(words) }
        parts.append("scope : (" + scope.rooms.map { Self.quoted(SearchScopeTokens.room($0.rawValue)) }.sorted().joined(separator: " OR ") + ")")
        if let authors = scope.authors, !authors.isEmpty {
            parts.append("scope : (" + authors.map { Self.quoted(SearchScopeTokens.author($0.rawValue)) }.sorted().joined(separator: " OR ") + ")")
        }
        if query.hasFile { parts.append("scope : " + Self.quoted(SearchScopeTokens.file)) }
        if query.hasLink { parts.append("scope : " + Self.quoted(SearchScopeTokens.link)) }
        if query.isMention { parts.append("scope : " + Self.quoted(SearchScopeTokens.mention(user.rawValue))) }
        var expression = "(" + parts.joined(separator: " AND ") + ")"
        for excluded in SearchMatch.excludedExpressions(query) { expression = "(" + expression + " NOT " + excluded + ")" }
        if !scope.notAuthors.isEmpty {
            let tokens = scope.notAuthors.map { Self.quoted(SearchScopeTokens.author($0.rawValue)) }.sorted()
            expression = "(" + expression + " NOT scope : (" + tokens.joined(separator: " OR ") + "))"
        }
        return expression
    }

    /// Tokens are letters and digits only; quoted all the same.
    static func quoted(_ token: String) -> String { "\"" + token + "\"" }

    func sql() -> (text: String, values: [SQLValue]) {
        var values: [SQLValue] = []
        var conditions: [String] = []
        let columns = "i.id, i.room, i.author, i.time, i.kind, i.file, i.label"
        var (infix, excludedInfix) = SearchMatch.infixExpressions(query)
        let from: String
        let order: String
        let words = SearchMatch.wordExpression(query)
        if words == nil, !infix.isEmpty {
            // Letters inside words only: the trigram index drives, the rest is checked on items.
            from = "grams CROSS JOIN items i ON i.id = grams.rowid"
            conditions.append("grams MATCH ?")
            values.append(.text(infix.removeFirst()))
            order = request.order == .relevance ? "grams.rank, i.id DESC" : "grams.rowid DESC"
            if let excluded = SearchMatch.excludedExpression(query) {
                conditions.append("i.id NOT IN (SELECT rowid FROM words WHERE words MATCH ?)")
                values.append(.text(excluded))
            }
            conditions.append("i.room IN (SELECT value FROM json_each(?))")
            values.append(.text(Self.jsonArray(scope.rooms.map(\.rawValue))))
            if let authors = scope.authors {
                conditions.append("i.author IN (SELECT value FROM json_each(?))")
                values.append(.text(Self.jsonArray(authors.map(\.rawValue))))
            }
            if !scope.notAuthors.isEmpty {
                conditions.append("i.author NOT IN (SELECT value FROM json_each(?))")
                values.append(.text(Self.jsonArray(scope.notAuthors.map(\.rawValue))))
            }
            if query.hasFile { conditions.append("i.kind > 0") }
            if query.hasLink { conditions.append("(i.flags & 1) = 1") }
            if query.isMention {
                conditions.append("i.id IN (SELECT rowid FROM words WHERE words MATCH ?)")
                values.append(.text("scope : " + Self.quoted(SearchScopeTokens.mention(user.rawValue))))
            }
        } else {
            // CROSS JOIN keeps FTS5 the outer loop: SQLite would otherwise start from items.
            from = "words CROSS JOIN items i ON i.id = words.rowid"
            conditions.append("words MATCH ?")
            values.append(.text(wordIndexExpression(words: words)))
            // Relevance weighs the words only (scope tokens match every row alike).
            order = request.order == .relevance ? "bm25(words, 1.0, 0.0), i.id DESC" : "words.rowid DESC"
        }
        conditions.append("i.id >= ?")
        values.append(.integer(Int64(clamping: visibleFrom)))
        if request.order == .newest, let before = request.before {
            conditions.append("i.id < ?")
            values.append(.integer(Int64(clamping: before)))
        }
        let (start, end) = timeBounds()
        if let start {
            conditions.append("i.time >= ?")
            values.append(.integer(start))
        }
        if let end {
            conditions.append("i.time < ?")
            values.append(.integer(end))
        }
        for expression in infix {
            conditions.append("i.id IN (SELECT rowid FROM grams WHERE grams MATCH ?)")
            values.append(.text(expression))
        }
        for expression in excludedInfix {
            conditions.append("i.id NOT IN (SELECT rowid FROM grams WHERE grams MATCH ?)")
            values.append(.text(expression))
        }
        var text = "SELECT \(columns) FROM \(from) WHERE " + conditions.joined(separator: " AND ") + " ORDER BY \(order) LIMIT ?"
        values.append(.integer(Int64(limit + 1)))
        if request.order == .relevance && request.offset > 0 {
            text += " OFFSET ?"
            values.append(.integer(Int64(request.offset)))
        }
        return (text, values)
    }

    /// `before:`, `after:` and `on:` as microseconds, in the caller's time zone: `before:` ends
    /// where that day starts, `after:` starts where the next day starts, `on:` is that day.
    func timeBounds() -> (start: Int64?, end: Int64?) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = request.timeZone
        func start(of day: SearchQuery.Day, plus days: Int = 0) -> Int64? {
            guard let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)),
                  let shifted = calendar.date(byAdding: .day, value: days, to: date)
            else { return nil }
            return Int64(shifted.timeIntervalSince1970 * 1_000_000)
        }
        var lower: Int64?
        var upper: Int64?
        if let after = query.after { lower = start(of: after, plus: 1) }
        if let before = query.before { upper = start(of: before) }
        if let on = query.on {
            lower = max(lower ?? .min, start(of: on) ?? .min)
            upper = min(upper ?? .max, start(of: on, plus: 1) ?? .max)
        }
        return (lower, upper)
    }

    static func jsonArray(_ strings: [String]) -> String {
        var json = JSONWriter()
        json.beginArray()
        for string in strings.sorted() { json.element(string) }
        json.endArray()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    // MARK: Running

    /// Runs on a reader's queue. Past `deadline` SQLite stops: the rows stepped so far are kept.
    func execute(on connection: SQLiteConnection, until deadline: UInt64) throws -> Found {
        guard !scope.rooms.isEmpty else { return Found(rows: [], partial: false) }
        let (text, values) = sql()
        let statement = try connection.statement(text, cached: false)
        try statement.bind(values)
        connection.limit(until: deadline)
        defer { connection.limit(until: 0) }
        var rows: [Row] = []
        do {
            while try statement.step() {
                rows.append(Row(
                    id: statement.int(0), room: statement.text(1) ?? "", author: statement.text(2) ?? "",
                    time: statement.int(3), kind: SearchIndex.Kind(rawValue: statement.int(4)) ?? .message,
                    file: statement.text(5), label: statement.text(6)))
            }
        } catch {
            guard error.interrupted else { throw error }
            return Found(rows: rows, partial: true)
        }
        return Found(rows: rows, partial: false)
    }
}
