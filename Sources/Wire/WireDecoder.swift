public import Foundation
public import Projections

/// Decodes what clients send — WebSocket frames and HTTP bodies — into typed values, and turns
/// every way that can fail into one `Rejection`: `malformed_json`, `missing_field:<f>`,
/// `wrong_type:<f>` or `out_of_range:<f>` (docs/protocol.md, "Limits and failures").
public enum WireDecoder {
    /// The JSON text decoded as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(Rejection) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw rejection(for: error)
        }
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(Rejection) -> T {
        try decode(type, from: Data(bytes))
    }

    /// What a decoding failure tells the client.
    public static func rejection(for error: any Error) -> Rejection {
        if let rejection = error as? Rejection { return rejection }
        if let range = error as? OutOfRange { return .invalid("out_of_range:\(range.field)") }
        guard let decoding = error as? DecodingError else { return .invalid("malformed_json") }
        switch decoding {
        case .keyNotFound(let key, let context):
            return .invalid("missing_field:\(path(context.codingPath + [key]))")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return context.codingPath.isEmpty ? .invalid("malformed_json") : .invalid("wrong_type:\(path(context.codingPath))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .invalid("malformed_json") }
            return .invalid("wrong_type:\(path(context.codingPath))")
        @unknown default:
            return .invalid("malformed_json")
        }
    }

    /// "phrases.2", not "phrases.Index 2": list positions as plain numbers.
    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map(String.init) ?? key.stringValue }.joined(separator: ".")
    }
}
