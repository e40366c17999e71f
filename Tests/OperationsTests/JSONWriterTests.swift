import Foundation
import Operations
import Testing

/// `JSONWriter` escapes by eight-byte words where it can: every special byte, wherever it falls in
/// a word, must still be escaped, and every string must read back as written.
@Suite struct JSONWriterTests {
    static let specials: [Character] = ["\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\u{01}", "\u{1F}", "é", "€", "😀", " ", "a", "~", "\u{7F}"]

    @Test func stringsReadBackAndHostileBytesAreEscapedAtEveryOffset() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<30 {
                let text = String((0..<length).map { _ in Self.specials.randomElement(using: &generator)! })
                var json = JSONWriter()
                json.beginObject()
                json.field("text", text)
                json.endObject()
                let bytes = json.bytes
                #expect(!bytes.contains(UInt8(ascii: "<")) && !bytes.contains(UInt8(ascii: ">")) && !bytes.contains(UInt8(ascii: "&")))
                #expect(!bytes.contains { $0 < 0x20 }, "a control byte left raw in \(json.string)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String])
                #expect(object["text"] == text, "\(json.string)")
            }
        }
    }

    @Test func eachSpecialAloneAtEachPositionOfALongRun() throws {
        for special in Self.specials {
            for position in 0..<24 {
                var text = String(repeating: "x", count: 24)
                text.insert(special, at: text.index(text.startIndex, offsetBy: position))
                var json = JSONWriter()
                json.beginObject()
                json.field("t", text)
                json.endObject()
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: String])
                #expect(object["t"] == text)
                if "<>&\"\\\n\r\t\u{01}\u{1F}".contains(special) {
                    #expect(json.string.contains("\\"), "\(special.unicodeScalars.first!.value) at \(position) not escaped")
                }
            }
        }
    }
}
