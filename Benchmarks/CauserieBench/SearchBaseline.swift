import Fixtures
import Foundation
import Logging
import PostgresNIO
import Projections
import Synchronization

/// The peer for the search benchmark (issue 14): the same messages in PostgreSQL with a
/// `tsvector` column and a GIN index — what Zulip searches with — plus `pg_trgm` for letters
/// inside words, asked the same queries with the same rights (the searcher's ten rooms), 16 at
/// once, while the same 500 posts a second are inserted. Debian's `postgresql`, a throwaway
/// cluster (Fixtures/PostgresCluster), queried over its Unix socket by postgres-nio.
///
/// Folding as ours: a text search configuration `causerie` = `simple` + `unaccent` (lower case,
/// accents off, ё → е); no stemming, as ours. Newest first, 20 a page, as ours.
struct SearchBaseline {
    let messages: Int
    let users: Int
    let searchers: Int
    let postRate: Double
    let seconds: Double
    let directory: String

    struct Result {
        var loadSeconds: Double
        var samples: [String: [SearchBenchmark.Sample]]
        var posts: Double
        var errors: Int
        var bytes: UInt64
    }

    func run() async throws -> Result {
        Measure.note("PostgreSQL baseline: starting a cluster…")
        let cluster = try PostgresCluster.start(under: directory, settings: [
            "shared_buffers": "2GB", "effective_cache_size": "8GB", "work_mem": "64MB", "maintenance_work_mem": "1GB",
            "jit": "off", "max_wal_size": "8GB", "checkpoint_timeout": "30min",
        ])
        defer { cluster.stop() }
        let loadSeconds = try load(cluster)
        let bytes = UInt64(try cluster.psql("SELECT pg_total_relation_size('messages')").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        Measure.note("PostgreSQL: \(messages) messages loaded and indexed in \(Measure.round(loadSeconds, 1)) s, \(bytes / 1_048_576) MiB")

        var configuration = PostgresClient.Configuration(unixSocketPath: cluster.socketPath, username: cluster.superuser,
                                                         password: nil, database: "postgres")
        configuration.options.maximumConnections = searchers + 5
        configuration.options.minimumConnections = searchers + 4
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "pg", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query("SELECT 1")
            let outcome = try await searchUnderLoad(client)
            return Result(loadSeconds: loadSeconds, samples: outcome.samples, posts: outcome.posts, errors: outcome.errors, bytes: bytes)
        }
    }

    /// The table, the messages by COPY, then the indexes (timed together: PostgreSQL's "index build").
    private func load(_ cluster: PostgresCluster) throws -> Double {
        try cluster.psql("""
            CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm;
            CREATE TEXT SEARCH CONFIGURATION causerie (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION causerie ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;
            CREATE TABLE messages (id bigint PRIMARY KEY, room int NOT NULL, author int NOT NULL,
                at timestamptz NOT NULL DEFAULT now(), has_link boolean NOT NULL, body text NOT NULL,
                tsv tsvector GENERATED ALWAYS AS (to_tsvector('causerie'::regconfig, body)) STORED);
            ALTER TABLE messages OWNER TO postgres;
            """)
        let file = directory + "/messages.tsv"
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: file) else { throw BenchError("cannot write \(file)") }
        var chunk = ""
        for index in 0..<messages {
            let (room, author, text) = Self.row(index, users: users)
            chunk += "\(index + 1)\t\(room)\t\(author)\t\(text.contains("https://") ? "t" : "f")\t\(Self.escaped(text))\n"
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.write(Data(chunk.utf8))
        try handle.close()
        _ = try? PostgresCluster.command("/bin/chmod", ["0644", file])
        let start = ContinuousClock.now
        try cluster.psql("""
            \\copy messages (id, room, author, has_link, body) FROM '\(file)'
            """)
        try cluster.psql("""
            CREATE INDEX messages_tsv ON messages USING gin (tsv);
            CREATE INDEX messages_trgm ON messages USING gin (body gin_trgm_ops);
            CREATE INDEX messages_room ON messages (room, id);
            CREATE INDEX messages_author ON messages (author, id);
            """)
        // VACUUM may not run in the transaction psql wraps several statements in.
        try cluster.psql("VACUUM ANALYZE messages")
        try? FileManager.default.removeItem(atPath: file)
        return Measure.seconds(ContinuousClock.now - start)
    }

    /// Message `index` as the benchmark's history has it: (room number, author number, text).
    static func row(_ index: Int, users: Int) -> (Int, Int, String) {
        let user = index % users
        let room = Int(SearchBenchmark.room(of: user, index % 10 + 1).rawValue.dropFirst())!
        return (room, user, OfficeText.message(index))
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    // MARK: The queries

    /// OfficeText's query of a kind, as SQL over the searcher's rooms.
    static func query(_ text: String, kind: String, rooms: [Int32]) -> PostgresQuery {
        switch kind {
        case "word":
            let word = text.trimmingCharacters(in: .whitespaces)
            return "SELECT id, body FROM messages WHERE tsv @@ plainto_tsquery('causerie', \(word)) AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
        case "prefix":
            return "SELECT id, body FROM messages WHERE tsv @@ to_tsquery('causerie', quote_literal(\(text)) || ':*') AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
        case "phrase":
            let phrase = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return "SELECT id, body FROM messages WHERE tsv @@ phraseto_tsquery('causerie', \(phrase)) AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
        case "infix":
            let letters = String(text.dropFirst())
            return "SELECT id, body FROM messages WHERE body ILIKE '%' || \(letters) || '%' AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
        default:
            // "word from:userN" / "word in:room-N" / "word has:link" / "word -other after:2020-01-01"
            let parts = text.split(separator: " ").map(String.init)
            let word = parts[0]
            let second = parts.count > 1 ? parts[1] : ""
            if second.hasPrefix("from:user"), let author = Int32(second.dropFirst(9)) {
                return "SELECT id, body FROM messages WHERE tsv @@ plainto_tsquery('causerie', \(word)) AND author = \(author) AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
            }
            if second.hasPrefix("in:room-"), let room = Int32(second.dropFirst(8)) {
                return "SELECT id, body FROM messages WHERE tsv @@ plainto_tsquery('causerie', \(word)) AND room = \(room) AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
            }
            if second == "has:link" {
                return "SELECT id, body FROM messages WHERE tsv @@ plainto_tsquery('causerie', \(word)) AND has_link AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
            }
            let excluded = String(second.dropFirst())
            return "SELECT id, body FROM messages WHERE tsv @@ (plainto_tsquery('causerie', \(word)) && !! plainto_tsquery('causerie', \(excluded))) AND at > '2020-01-01' AND room = ANY(\(rooms)) ORDER BY id DESC LIMIT 20"
        }
    }

    // MARK: The load

    private struct Outcome {
        var samples: [String: [SearchBenchmark.Sample]]
        var posts: Double
        var errors: Int
    }

    private func searchUnderLoad(_ client: PostgresClient) async throws -> Outcome {
        Measure.note("PostgreSQL: \(searchers) searchers for \(seconds) s while inserting \(Int(postRate))/s…")
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        let users = self.users
        let messages = self.messages
        let postRate = self.postRate
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            for number in 0..<searchers {
                // The same searchers as against Causerie: users 100…, the same sequence of queries.
                let user = 100 + number * 7 % max(1, users - 100)
                let rooms = (1...10).map { Int32(SearchBenchmark.room(of: user, $0).rawValue.dropFirst())! }
                group.addTask {
                    var outcome = Outcome(samples: [:], posts: 0, errors: 0)
                    var counter = 0
                    while ContinuousClock.now < deadline {
                        counter += 1
                        let (kind, text) = OfficeText.query(counter &* 7919 &+ number &* 104_729, user: user)
                        let start = ContinuousClock.now
                        do {
                            var results = 0
                            for try await _ in try await client.query(Self.query(text, kind: kind, rooms: rooms)) { results += 1 }
                            outcome.samples[kind, default: []].append(.init(ms: Measure.milliseconds(ContinuousClock.now - start), results: results))
                        } catch {
                            outcome.errors += 1
                            if outcome.errors == 1 { Measure.note("PostgreSQL query failed: \(String(reflecting: error)) for \(text)") }
                        }
                    }
                    return outcome
                }
            }
            // Four posters (each insert waits for its commit's fsync: one alone cannot keep 500/s).
            let posters = 4
            for poster in 0..<posters {
                group.addTask {
                    var posted = 0
                    let start = ContinuousClock.now
                    while ContinuousClock.now < deadline {
                        let due = Int(Measure.seconds(ContinuousClock.now - start) * postRate / Double(posters))
                        while posted < due {
                            let index = messages + posted * posters + poster
                            let (room, author, text) = Self.row(index, users: users)
                            try await client.query("""
                                INSERT INTO messages (id, room, author, has_link, body)
                                VALUES (\(Int64(index + 1)), \(Int32(room)), \(Int32(author)), \(text.contains("https://")), \(text))
                                """)
                            posted += 1
                        }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    return Outcome(samples: [:], posts: Double(posted), errors: 0)
                }
            }
            var total = Outcome(samples: [:], posts: 0, errors: 0)
            for try await outcome in group {
                for (kind, samples) in outcome.samples { total.samples[kind, default: []] += samples }
                total.posts += outcome.posts
                total.errors += outcome.errors
            }
            return total
        }
    }
}
