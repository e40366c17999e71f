import Foundation

/// Rules for user names and room names: what is allowed, and the key that decides uniqueness.
///
/// The key is the NFKC form, case-folded, with letters that look alike across scripts mapped to
/// one of them (Cyrillic "е" and Latin "e" give the same key), so that "alice" and "аlice" cannot
/// both exist. The table covers the Cyrillic and Greek letters that are confusable with Latin ones
/// in common fonts (after Unicode's confusables.txt, UTS #39); it is ours, short, and reviewed by hand.
public enum Names {
    /// A user name as given, checked and keyed; nil if it breaks a rule.
    public static func username(_ raw: String) -> (display: String, key: String)? {
        let display = raw.trimmedWhitespace.precomposedStringWithCompatibilityMapping
        let count = display.count
        guard (2...32).contains(count) else { return nil }
        for scalar in display.unicodeScalars {
            let properties = scalar.properties
            let allowed = properties.isAlphabetic || properties.numericType == .decimal
                || scalar == "." || scalar == "_" || scalar == "-"
            guard allowed, !isInvisibleOrControl(scalar) else { return nil }
        }
        return (display, key(display))
    }

    /// A room name as given, checked and keyed: 1 to 64 visible characters, spaces allowed.
    public static func roomName(_ raw: String) -> (display: String, key: String)? {
        let display = collapseSpaces(raw.precomposedStringWithCompatibilityMapping)
        guard (1...64).contains(display.count) else { return nil }
        for scalar in display.unicodeScalars where isInvisibleOrControl(scalar) { return nil }
        return (display, key(display))
    }

    /// Free text (topics, display names, profile fields): no control or bidi-override characters,
    /// trimmed, at most `limit` characters. Newlines only if `multiline`.
    public static func text(_ raw: String, limit: Int, multiline: Bool = false) -> String? {
        let trimmed = raw.trimmedWhitespace
        if limit != .max {
            guard trimmed.count <= limit else { return nil }
        }
        // Most text is printable ASCII: no need to look each character up.
        if trimmed.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || (multiline && ($0 == 0x0A || $0 == 0x09)) }) {
            return trimmed
        }
        for scalar in trimmed.unicodeScalars {
            if multiline && (scalar == "\n" || scalar == "\t") { continue }
            if isBidiOverride(scalar) || scalar.properties.generalCategory == .control { return nil }
        }
        return trimmed
    }

    /// The uniqueness key of a name.
    public static func key(_ name: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in name.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if let latin = confusables[scalar] {
                result.append(contentsOf: latin.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    static func isInvisibleOrControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: return true
        default: return scalar.value == 0x3164 || scalar.value == 0x115F || scalar.value == 0x1160  // Hangul fillers
        }
    }

    static func isBidiOverride(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
            || scalar.value == 0x200E || scalar.value == 0x200F || scalar.value == 0x061C
    }

    private static func collapseSpaces(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Lower-case letters of other scripts that render like Latin ones, and digits like letters.
    private static let confusables: [Unicode.Scalar: String] = [
        // Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
        "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "һ": "h",
        "ү": "y", "ɡ": "g", "ѵ": "v", "ꙇ": "i",
        // Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ϳ": "j",
        // Latin look-alikes and digits
        "ı": "i", "ℓ": "l", "0": "o", "1": "l", "|": "l", "ɩ": "i",
    ]
}

extension String {
    /// The string without leading and trailing white space (newlines included). Works on
    /// Unicode scalars directly: Foundation's `trimmingCharacters` bridges through NSString and
    /// cost more than the rest of a message's checks together (measured with perf).
    public var trimmedWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}
