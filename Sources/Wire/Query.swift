public import Projections

/// A request's query string, parsed once (RFC 3986 percent-encoding, '+' as a space, UTF-8).
///
/// Each route names the parameters it understands; any other is refused
/// (`unknown_parameter:<name>`), so that a misspelt or unsupported filter (`author=`) never
/// silently widens a query. A parameter given twice is refused unless the route allows a list.
/// Numbers go through `CheckedNumber` like every number from outside.
public struct Query: Sendable {
    /// The longest query string read (the HTTP header limits are larger; nothing needs more).
    public static let maxBytes = 8 * 1024
    public static let maxParameters = 100

    private var values: [String: [String]] = [:]

    /// Parses `raw` (the part after '?', still encoded), accepting only `allowed` names.
    public init(_ raw: Substring?, allowed: Set<String>) throws(Rejection) {
        guard let raw, !raw.isEmpty else { return }
        guard raw.utf8.count <= Self.maxBytes else { throw .tooLarge("query") }
        var count = 0
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            count += 1
            guard count <= Self.maxParameters else { throw .tooLarge("query") }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw .invalid("malformed_query")
            }
            guard allowed.contains(name) else { throw .invalid("unknown_parameter:\(Self.printable(name))") }
            values[name, default: []].append(value)
        }
    }

    /// The parameter's value, if given once (given twice: refused).
    public func string(_ name: String) throws(Rejection) -> String? {
        guard let list = values[name] else { return nil }
        guard list.count == 1 else { throw .invalid("duplicate_parameter:\(name)") }
        return list[0]
    }

    /// Every value of a parameter that may repeat (`room=a&room=b`).
    public func strings(_ name: String) -> [String] { values[name] ?? [] }

    /// A numeric parameter, checked against its type's range.
    public func number<N: CheckedNumber>(_ name: String, as type: N.Type = N.self) throws(Rejection) -> N? {
        guard let text = try string(name) else { return nil }
        return try N(parsing: Substring(text), field: name)
    }

    public func contains(_ name: String) -> Bool { values[name] != nil }

    /// Percent-decodes one component; nil for a bad escape or bytes that are not UTF-8.
    static func decode(_ component: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.utf8.count)
        var iterator = component.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// A name echoed in an error: short, and nothing a terminal or a page would interpret.
    static func printable(_ name: String) -> String {
        String(name.unicodeScalars.prefix(64).filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
    }
}
