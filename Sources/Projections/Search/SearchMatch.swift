/// A parsed query in the index's query language (SQLite FTS5), and the highlights of a hit.
///
/// Nothing the user typed reaches FTS5 as syntax: every term is a string of folded word
/// characters (letters, digits, marks — never a quote, a star, a parenthesis or a space inside a
/// word), written inside double quotes, so `NEAR`, `^`, `*`, `OR` and `"` typed by a user are
/// words or nothing, and always inside `body : (…)`, so no typed word can match the index's
/// scope tokens. Operators come only from this builder.
public enum SearchMatch {
    /// The positive word terms, ANDed, restricted to the text column (`body`): nil when no
    /// positive word term remains (filters alone, or infix terms only).
    public static func wordExpression(_ query: SearchQuery) -> String? {
        let positive = query.terms.filter { !$0.negated && $0.match != .infix }
        guard !positive.isEmpty else { return nil }
        return "body : (" + positive.map(phrase).joined(separator: " AND ") + ")"
    }

    /// One expression per excluded word term, each restricted to the text column.
    public static func excludedExpressions(_ query: SearchQuery) -> [String] {
        query.terms.filter { $0.negated && $0.match != .infix }.map { "body : (" + phrase($0) + ")" }
    }

    /// The excluded word terms at once (for a search whose positive part is not in the word index).
    public static func excludedExpression(_ query: SearchQuery) -> String? {
        let negated = query.terms.filter { $0.negated && $0.match != .infix }
        guard !negated.isEmpty else { return nil }
        return "body : (" + negated.map(phrase).joined(separator: " OR ") + ")"
    }

    /// One trigram MATCH expression per infix term (positive first, then excluded).
    public static func infixExpressions(_ query: SearchQuery) -> (included: [String], excluded: [String]) {
        let infix = query.terms.filter { $0.match == .infix }
        return (infix.filter { !$0.negated }.map { quote($0.words.joined()) },
                infix.filter(\.negated).map { quote($0.words.joined()) })
    }

    static func phrase(_ term: SearchQuery.Term) -> String {
        let quoted = quote(term.words.joined(separator: " "))
        return term.match == .prefix ? quoted + "*" : quoted
    }

    /// Words hold no `"`, but a quote is doubled anyway: the one escape FTS5 strings have.
    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Where the query's words are in a text: (UTF-16 offset, length) pairs, in order.
    public static func highlights(of query: SearchQuery, in text: String) -> [[Int]] {
        let terms = query.positiveTerms
        guard !terms.isEmpty else { return [] }
        var ranges: [[Int]] = []
        for word in SearchFolding.locatedWords(text) {
            let hit = terms.contains { term in
                switch term.match {
                case .word: term.words.contains(word.folded)
                case .prefix:
                    term.words.dropLast().contains(word.folded) || word.folded.hasPrefix(term.words.last ?? "")
                case .infix: word.folded.contains(term.words.joined())
                }
            }
            if hit { ranges.append([word.offset, word.length]) }
        }
        return ranges
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
