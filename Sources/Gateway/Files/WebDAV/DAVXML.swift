import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The XML WebDAV speaks: multistatus answers written by hand (a few fixed shapes, every name
/// escaped), and the few request bodies read with Foundation's parser (element names only, plus
/// a lock's owner), never expanding entities (XXE): the parser resolves none by default and
/// external ones are refused.
enum DAVXML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// One resource of a PROPFIND answer.
    struct Entry {
        var href: String
        var name: String
        var collection: Bool
        var size: UInt64 = 0
        var mediaType: String = ""
        var etag: String?
        /// Microseconds since the epoch.
        var modified: Int64
        var quota: (used: UInt64, available: UInt64)?
        var locks: [DAVLocks.Lock] = []
    }

    static func multistatus(_ entries: [Entry]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"DAV:\">\n"
        for entry in entries {
            xml += "<d:response><d:href>\(escape(entry.href))</d:href><d:propstat><d:prop>"
            xml += "<d:displayname>\(escape(entry.name))</d:displayname>"
            if entry.collection {
                xml += "<d:resourcetype><d:collection/></d:resourcetype>"
            } else {
                xml += "<d:resourcetype/><d:getcontentlength>\(entry.size)</d:getcontentlength>"
                xml += "<d:getcontenttype>\(escape(entry.mediaType))</d:getcontenttype>"
            }
            if let etag = entry.etag { xml += "<d:getetag>\"\(etag)\"</d:getetag>" }
            xml += "<d:getlastmodified>\(HTTPDate.format(entry.modified))</d:getlastmodified>"
            xml += "<d:creationdate>\(HTTPDate.iso8601(entry.modified))</d:creationdate>"
            if let quota = entry.quota {
                xml += "<d:quota-used-bytes>\(quota.used)</d:quota-used-bytes><d:quota-available-bytes>\(quota.available)</d:quota-available-bytes>"
            }
            xml += supportedLock + "<d:lockdiscovery>" + entry.locks.map(activeLock).joined() + "</d:lockdiscovery>"
            xml += "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\n"
        }
        return xml + "</d:multistatus>\n"
    }

    static let supportedLock = "<d:supportedlock>"
        + "<d:lockentry><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockentry>"
        + "<d:lockentry><d:lockscope><d:shared/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockentry>"
        + "</d:supportedlock>"

    static func activeLock(_ lock: DAVLocks.Lock) -> String {
        "<d:activelock><d:locktype><d:write/></d:locktype><d:lockscope>\(lock.exclusive ? "<d:exclusive/>" : "<d:shared/>")</d:lockscope>"
            + "<d:depth>\(lock.depthInfinity ? "infinity" : "0")</d:depth>"
            + (lock.owner.isEmpty ? "" : "<d:owner>\(escape(lock.owner))</d:owner>")
            + "<d:timeout>Second-\(lock.timeoutSeconds)</d:timeout>"
            + "<d:locktoken><d:href>\(lock.token)</d:href></d:locktoken></d:activelock>"
    }

    static func lockAnswer(_ lock: DAVLocks.Lock) -> String {
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:prop xmlns:d=\"DAV:\"><d:lockdiscovery>\(activeLock(lock))</d:lockdiscovery></d:prop>\n"
    }

    /// A PROPPATCH answer: every property named, with the status given.
    static func propPatchAnswer(href: String, properties: [(namespace: String, name: String)], status: String) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>\(escape(href))</d:href><d:propstat><d:prop>"
        for (index, property) in properties.enumerated() {
            xml += "<p\(index):\(escape(property.name)) xmlns:p\(index)=\"\(escape(property.namespace))\"/>"
        }
        return xml + "</d:prop><d:status>HTTP/1.1 \(status)</d:status></d:propstat></d:response></d:multistatus>\n"
    }

    /// What a request body says, as far as we read it: the elements' (namespace, name) under
    /// `prop` (PROPPATCH), whether a lock is shared, and the lock's owner text.
    struct Body {
        var properties: [(namespace: String, name: String)] = []
        var shared = false
        var owner = ""
        var parsed = true
    }

    static func read(_ bytes: [UInt8]) -> Body {
        guard !bytes.isEmpty else { return Body() }
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let reader = BodyReader()
        parser.delegate = reader
        let ok = parser.parse()
        var body = reader.body
        body.parsed = ok
        return body
    }

    private final class BodyReader: NSObject, XMLParserDelegate {
        var body = Body()
        private var stack: [String] = []
        private var ownerDepth: Int?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if stack.last == "prop", stack.dropLast().last == "set" || stack.dropLast().last == "remove" {
                body.properties.append((namespaceURI ?? "", name))
            }
            if name == "shared", stack.last == "lockscope" { body.shared = true }
            if name == "owner" { ownerDepth = stack.count }
            stack.append(name)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
            if ownerDepth == stack.count { ownerDepth = nil }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if ownerDepth != nil, body.owner.utf8.count < 512 { body.owner += string.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
    }
}

/// HTTP dates (RFC 9110 §5.6.7) and ISO 8601, without a DateFormatter (not Sendable, and costly
/// to make per response).
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func parts(_ microseconds: Int64) -> tm {
        var seconds = time_t(microseconds / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// "Sun, 06 Nov 1994 08:49:37 GMT".
    static func format(_ microseconds: Int64) -> String {
        let t = parts(microseconds)
        return "\(days[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }

    /// "1994-11-06T08:49:37Z".
    static func iso8601(_ microseconds: Int64) -> String {
        let t = parts(microseconds)
        return "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec))Z"
    }
}
