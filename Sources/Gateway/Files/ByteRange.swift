/// One byte range of a `Range: bytes=…` header (RFC 9110 §14.1.2), resolved against the size.
/// Several ranges are answered with the whole file (allowed, and what nginx does for `multipart`
/// it was not asked to build); an unsatisfiable range is `nil` (416).
enum ByteRange {
    enum Result: Equatable {
        /// No usable Range header: the whole content, 200.
        case whole
        /// Bytes `lower...upper`, 206.
        case part(lower: UInt64, upper: UInt64)
        /// 416 with `Content-Range: bytes */size`.
        case unsatisfiable
    }

    static func parse(_ header: String?, size: UInt64) -> Result {
        guard let header else { return .whole }
        let trimmed = header.trimmingSpaces
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst(6)
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let first = parts[0].trimmingSpaces, last = parts[1].trimmingSpaces
        // Digits only, at most 19 of them (a UInt64 never overflows).
        func number(_ text: Substring) -> UInt64?? {
            if text.isEmpty { return .some(nil) }
            guard text.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return .some(UInt64(text))
        }
        guard let lower = number(first), let upper = number(last) else { return .whole }
        switch (lower, upper) {
        case (nil, nil):
            return .whole
        case (nil, let suffix?):
            // The last `suffix` bytes.
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .part(lower: size - min(suffix, size), upper: size - 1)
        case (let start?, let end):
            guard start < size else { return .unsatisfiable }
            let stop = min(end ?? (size - 1), size - 1)
            guard stop >= start else { return .whole }
            return .part(lower: start, upper: stop)
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}

/// `Content-Disposition` with the name kept whole (RFC 6266 and RFC 8187): an ASCII fallback
/// for old clients, and the UTF-8 name percent-encoded for the rest.
enum ContentDisposition {
    static func header(_ kind: String, name: String) -> String {
        let fallback = String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar.value != 0x7F
                ? Character(scalar) : "_"
        })
        var encoded = ""
        for byte in name.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~")].contains(byte)
            if unreserved {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return "\(kind); filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
