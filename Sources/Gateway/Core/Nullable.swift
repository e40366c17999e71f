/// An optional that is written as `null` when absent, instead of being left out: the protocol
/// promises these fields in every object (docs/protocol.schema.json marks them required), and a
/// client reading `room.mutedUntil` should not have to tell "missing" from "not muted".
@propertyWrapper
struct AlwaysEncoded<Value: Codable & Sendable>: Codable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as nil, as for a plain optional.
    func decode<Value>(_ type: AlwaysEncoded<Value>.Type, forKey key: Key) throws -> AlwaysEncoded<Value> {
        AlwaysEncoded(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}
