import Foundation

/// "Where is the Causerie server?" over UDP broadcast, for networks where multicast (mDNS) is
/// filtered (docs/discovery.md, ADR 011). A client broadcasts the query to UDP port 8089; every
/// server that hears it answers the sender alone with one small JSON datagram.
///
/// Query: the 20 bytes `CAUSERIE-DISCOVER 1\n`. Anything else is ignored, silently (no answer to
/// strangers' packets, no amplification: an answer is at most `maximumAnswer` bytes and each
/// address gets a few a second at most).
public enum DiscoveryMessage {
    public static let defaultPort = 8089
    public static let query = Array("CAUSERIE-DISCOVER 1\n".utf8)
    public static let maximumAnswer = 1200

    /// What a server says of itself.
    public struct Answer: Codable, Sendable, Equatable {
        public var service = "causerie"
        public var name: String
        public var version: String
        /// Where to open it, LAN addresses first.
        public var urls: [String]
        /// SHA-256 of the office authority (compare before trusting it), nil without one.
        public var fingerprint: String?

        public init(name: String, version: String, urls: [String], fingerprint: String?) {
            self.name = name
            self.version = version
            self.urls = urls
            self.fingerprint = fingerprint
        }
    }

    public static func isQuery(_ bytes: some Collection<UInt8>) -> Bool { bytes.elementsEqual(query) }

    /// The answer's bytes, its URL list shortened until it fits one datagram.
    public static func encode(_ answer: Answer) -> [UInt8] {
        var answer = answer
        answer.name = String(answer.name.prefix(100))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        while true {
            let bytes = Array((try? encoder.encode(answer)) ?? Data())
            if bytes.count <= maximumAnswer || answer.urls.isEmpty { return bytes }
            answer.urls.removeLast()
        }
    }

    /// An answer heard by `causerie discover`; nil for anything that is not one.
    public static func decode(_ bytes: [UInt8]) -> Answer? {
        guard bytes.count <= maximumAnswer, let answer = try? JSONDecoder().decode(Answer.self, from: Data(bytes)),
              answer.service == "causerie" else { return nil }
        return answer
    }
}
