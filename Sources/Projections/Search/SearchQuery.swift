/// A search as a user types it, parsed (docs/search.md, "Syntax"):
///
///     kanb  "exact phrase"  -excluded  *board  from:alice  in:general  with:bob
///     before:2026-12-01  after:2026-11-01  on:2026-11-15  has:file  has:link  is:mention
///
/// Parsing never fails on what a user may type by accident — unbalanced quotes close at the end,
/// index syntax (`*`, `^`, `NEAR`, `"`, parentheses) is ordinary text — and refuses with a clear
/// reason what cannot mean anything: an empty query, one too long, an unknown `has:` or `is:`,
/// a date that is not one. Names (`from:`, `in:`, `with:`) are resolved by the caller, which
/// knows who may read what.
public struct SearchQuery: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        /// Whole words.
        case word
        /// The last word may continue (`kanb` finds `Kanban`).
        case prefix
        /// Anywhere inside a word (`*board` finds `dashboard`): the trigram index.
        case infix
    }

    public struct Term: Sendable, Hashable {
        /// The folded words, in order; a phrase has several.
        public var words: [String]
        public var match: Match
        public var negated: Bool
        /// Typed in quotes: the words must follow each other.
        public var quoted: Bool
    }

    /// A calendar day, as typed (`2026-12-01`); the caller places it in the user's time zone.
    public struct Day: Sendable, Hashable {
        public var year: Int
        public var month: Int
        public var day: Int
    }

    public var terms: [Term] = []
    public var from: [String] = []
    public var notFrom: [String] = []
    public var rooms: [String] = []
    public var notRooms: [String] = []
    public var with: [String] = []
    public var before: Day?
    public var after: Day?
    public var on: Day?
    public var hasFile = false
    public var hasLink = false
    public var isMention = false

    public static let maxLength = 1_000
    public static let maxParts = 32

    /// Something to match: a word, or a filter that narrows the search without words.
    public var isEmpty: Bool {
        terms.allSatisfy(\.negated) && from.isEmpty && rooms.isEmpty && with.isEmpty && before == nil
            && after == nil && on == nil && !hasFile && !hasLink && !isMention
    }

    public var positiveTerms: [Term] { terms.filter { !$0.negated } }

    public init() {}

    /// Parses what the user typed. A last word with nothing after it matches as a prefix
    /// (the search runs as they type).
    public init(parsing text: String) throws(Rejection) {
        guard text.utf8.count <= Self.maxLength * 4, text.count <= Self.maxLength else {
            throw .invalid("query_too_long")
        }
        var parts = Self.split(text)
        guard parts.count <= Self.maxParts else { throw .invalid("query_too_many_terms") }
        if let last = parts.indices.last, !parts[last].quoted, !text.hasSuffix(" "), !parts[last].negated,
           parts[last].key == nil
        {
            parts[last].typing = true
        }
        for part in parts { try add(part) }
        guard !isEmpty else { throw .invalid(terms.isEmpty ? "empty_query" : "query_only_excludes") }
    }

    // MARK: Parts

    /// A whitespace-separated piece: `-`? (`key:`)? (word | "quoted text").
    struct Part {
        var negated = false
        var key: String?
        var value = ""
        var quoted = false
        var typing = false
    }

    static let keys: Set<String> = ["from", "in", "with", "before", "after", "on", "has", "is"]

    static func split(_ text: String) -> [Part] {
        var parts: [Part] = []
        var scalars = Array(text.unicodeScalars)[...]
        func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }
        while true {
            while let first = scalars.first, isSpace(first) { scalars.removeFirst() }
            guard !scalars.isEmpty else { break }
            var part = Part()
            if scalars.first == "-" {
                part.negated = true
                scalars.removeFirst()
            }
            // key: (only the known ones; `http://…` or `db:json` is text)
            if let colon = scalars.prefix(8).firstIndex(of: ":") {
                let key = String(String.UnicodeScalarView(scalars[scalars.startIndex..<colon])).lowercased()
                if keys.contains(key) {
                    part.key = key
                    scalars = scalars[scalars.index(after: colon)...]
                }
            }
            if scalars.first == "\"" {
                scalars.removeFirst()
                let end = scalars.firstIndex(of: "\"") ?? scalars.endIndex
                part.value = String(String.UnicodeScalarView(scalars[scalars.startIndex..<end]))
                part.quoted = true
                scalars = end < scalars.endIndex ? scalars[scalars.index(after: end)...] : scalars[end...]
            } else {
                let end = scalars.firstIndex(where: isSpace) ?? scalars.endIndex
                part.value = String(String.UnicodeScalarView(scalars[scalars.startIndex..<end]))
                scalars = scalars[end...]
            }
            if part.value.isEmpty && part.key == nil && !part.quoted { continue }  // a lone "-"
            parts.append(part)
        }
        return parts
    }

    private mutating func add(_ part: Part) throws(Rejection) {
        guard let key = part.key else { return addText(part) }
        let value = part.value.trimmingPrefix(key == "in" ? "#" : "@")
        guard !value.isEmpty else { throw .invalid("operator_without_value:\(key)") }
        switch key {
        case "from": if part.negated { notFrom.append(value) } else { from.append(value) }
        case "in": if part.negated { notRooms.append(value) } else { rooms.append(value) }
        case "with":
            guard !part.negated else { throw .invalid("operator_cannot_be_negated:with") }
            with.append(value)
        case "before", "after", "on":
            guard !part.negated else { throw .invalid("operator_cannot_be_negated:\(key)") }
            guard let day = Day(value) else { throw .invalid("date:\(key)") }
            if key == "before" { before = day } else if key == "after" { after = day } else { on = day }
        case "has":
            guard !part.negated else { throw .invalid("operator_cannot_be_negated:has") }
            switch value.lowercased() {
            case "file", "files", "attachment": hasFile = true
            case "link", "links", "url": hasLink = true
            default: throw .invalid("has:\(value)")
            }
        default:  // is:
            guard !part.negated else { throw .invalid("operator_cannot_be_negated:is") }
            guard ["mention", "mentions", "mentioned"].contains(value.lowercased()) else { throw .invalid("is:\(value)") }
            isMention = true
        }
    }

    /// Words, a phrase, or a wildcard: `kanb*` is a prefix, `*board` (or `*oar*`) an infix.
    private mutating func addText(_ part: Part) {
        var value = part.value
        var match: Match = part.typing ? .prefix : .word
        if !part.quoted {
            if value.hasPrefix("*") { match = .infix } else if value.hasSuffix("*") { match = .prefix }
        } else if value.hasSuffix("*") {
            match = .prefix
        }
        if match == .infix { value = String(value.drop { $0 == "*" }) }
        let words = SearchFolding.words(value)
        guard !words.isEmpty else { return }  // only punctuation: nothing to look for
        if match == .infix {
            // A trigram needs three letters; a shorter or multi-word infix is a prefix.
            if words.count == 1, words[0].unicodeScalars.count >= 3 {
                terms.append(Term(words: words, match: .infix, negated: part.negated, quoted: false))
                return
            }
            match = .prefix
        }
        // One letter is a word, not a prefix: "every word starting with q" is most of an index
        // (the cost that spikes other chats' databases) and tells the user nothing yet.
        if match == .prefix, let last = words.last, last.unicodeScalars.count < 2 { match = .word }
        terms.append(Term(words: words, match: match, negated: part.negated, quoted: part.quoted))
    }
}

extension SearchQuery.Day {
    /// `YYYY-MM-DD`, a real day between the years 1 and 9999.
    public init?(_ text: String) {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
              fields.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
              year >= 1, (1...12).contains(month), day >= 1
        else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= lengths[month - 1] else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }
}

extension String {
    fileprivate func trimmingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
