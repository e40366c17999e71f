import Foundation

/// How text is compared in search (docs/search.md, "Folding"): the index stores every message
/// folded, queries are folded the same way, and the highlighter folds each word it looks at.
///
/// - lower case (Unicode's full mapping);
/// - accents off Latin, Greek and Cyrillic letters (`École` → `ecole`), but `й` stays `й`
///   (a different letter to a Russian reader, unlike `ё`, which folds to `е`);
/// - ligatures a French keyboard types spelt out: `œ` → `oe`, `æ` → `ae`, `ß` → `ss`.
///
/// Words are runs of letters, digits and marks (Unicode categories L, N, M and Co); everything
/// else separates them, so `l'école` is `l` + `ecole`, `db.json` is `db` + `json` and a URL's
/// path segments are words. The index's tokenizer is set to the same categories (ADR 016).
public enum SearchFolding {
    /// The folded text (same separators, folded letters).
    public static func fold(_ text: String) -> String {
        var ascii = true
        for byte in text.utf8 where byte >= 0x80 { ascii = false; break }
        if ascii { return asciiLowercased(text) }
        return foldUnicode(text)
    }

    /// Whether a scalar is part of a word.
    public static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber,
             .nonspacingMark, .spacingMark, .enclosingMark, .privateUse:
            return true
        default:
            return false
        }
    }

    /// The folded words of a text, in order.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in fold(text).unicodeScalars {
            if isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// The words of a text where they are, as UTF-16 offsets and lengths (what a browser's
    /// strings count), each with its folded form: what the highlighter compares.
    public static func locatedWords(_ text: String) -> [(folded: String, offset: Int, length: Int)] {
        var found: [(String, Int, Int)] = []
        var start = -1
        var offset = 0
        var current = String.UnicodeScalarView()
        func close() {
            if start >= 0 { found.append((fold(String(current)), start, offset - start)) }
            start = -1
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if isWordScalar(scalar) {
                if start < 0 { start = offset }
                current.append(scalar)
            } else {
                close()
            }
            offset += scalar.utf16.count
        }
        close()
        return found
    }

    private static func asciiLowercased(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A { bytes[index] |= 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lower case, compatibility decomposition (NFKD: `ﬁ` → `fi`, full-width → ASCII), then
    /// the accents of Latin, Greek and Cyrillic letters dropped — except the breve of `й`.
    private static func foldUnicode(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var base: UInt32 = 0
        for scalar in text.lowercased().decomposedStringWithCompatibilityMapping.unicodeScalars {
            let value = scalar.value
            if scalar.properties.generalCategory == .nonspacingMark {
                let accented = base < 0x0530 || (base >= 0x1E00 && base < 0x2000)
                if value == 0x0306 && base == 0x0438 {  // и + breve: й
                    out.removeLast()
                    out.append("й")
                } else if !accented {
                    out.append(scalar)
                }
                continue
            }
            base = value
            switch value {
            case 0x0153: out.append(contentsOf: "oe".unicodeScalars)
            case 0x00E6: out.append(contentsOf: "ae".unicodeScalars)
            case 0x00DF: out.append(contentsOf: "ss".unicodeScalars)
            case 0x00F8: out.append("o")
            case 0x0142: out.append("l")
            case 0x0111: out.append("d")
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
