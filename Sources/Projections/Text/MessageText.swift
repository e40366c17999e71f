import Foundation

/// What the server reads in a message's text: mentions, emoticons, filtered words.
///
/// Formatting (bold, italic, code, links, quotes) is left to clients, which render the documented
/// subset (docs/protocol.md) by building nodes, never by inserting HTML.
public enum MessageText {
    /// The names written as `@name` (without the @), in order, each once.
    public static func mentionedNames(in text: String) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        var current: String.UnicodeScalarView?
        var previous: Unicode.Scalar = " "
        func finish() {
            if let name = current.map(String.init), !name.isEmpty {
                let trimmed = String(name.reversed().drop { $0 == "." || $0 == "-" }.reversed())
                if !trimmed.isEmpty, seen.insert(trimmed).inserted { names.append(trimmed) }
            }
            current = nil
        }
        for scalar in text.unicodeScalars {
            if current != nil {
                let properties = scalar.properties
                if properties.isAlphabetic || properties.numericType == .decimal || scalar == "." || scalar == "_"
                    || scalar == "-"
                {
                    current!.append(scalar)
                    previous = scalar
                    continue
                }
                finish()
            }
            // An @ starts a mention at the start or after a non-word character (not in e-mails).
            if scalar == "@" && !(previous.properties.isAlphabetic || previous.properties.numericType == .decimal) {
                current = String.UnicodeScalarView()
            }
            previous = scalar
        }
        finish()
        return names
    }

    /// Whether the text holds an emoticon: an emoji character or a classic smiley like ":-)".
    public static func containsEmoticon(_ text: String) -> Bool {
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            if properties.isEmojiPresentation || (properties.isEmoji && scalar.value > 0xFF && !isPlainSymbol(scalar)) {
                return true
            }
        }
        for smiley in [":)", ":-)", ":(", ":-(", ";)", ";-)", ":D", ":-D", ":P", ":-P", ":o", "<3"] where text.contains(smiley) {
            return true
        }
        return false
    }

    private static func isPlainSymbol(_ scalar: Unicode.Scalar) -> Bool {
        // ™ © ® ↔ and similar are emoji-capable but ordinary text unless followed by VS16.
        scalar.value < 0x2300
    }

    /// Applies the word filter: the filtered text, or nil if the filter refuses it.
    public static func filter(_ text: String, with filter: WordFilter) -> String? {
        guard !filter.words.isEmpty else { return text }
        var result = text
        var found = false
        for word in filter.words where !word.isEmpty {
            var searchStart = result.startIndex
            while let range = result.range(of: word, options: [.caseInsensitive, .diacriticInsensitive],
                                           range: searchStart..<result.endIndex) {
                found = true
                if filter.mode == .reject { return nil }
                let mask = String(repeating: "*", count: result[range].count)
                result.replaceSubrange(range, with: mask)
                searchStart = result.index(range.lowerBound, offsetBy: mask.count)
            }
        }
        return found && filter.mode == .reject ? nil : result
    }
}
