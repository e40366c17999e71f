/// What a caller expects of a stream's version when appending (optimistic concurrency).
public enum ExpectedVersion: Sendable, Hashable {
    /// No check.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have exactly this version.
    case exactly(UInt64)
}

/// A condition on one stream that must hold for an append to be committed.
public struct StreamCondition: Sendable, Hashable {
    public var stream: String
    public var expected: ExpectedVersion

    public init(stream: String, expected: ExpectedVersion) {
        self.stream = stream
        self.expected = expected
    }
}

/// What `append` returns once the events are durably committed.
public struct AppendResult: Sendable, Hashable {
    /// Position of the first event appended.
    public var firstPosition: UInt64
    /// Position of the last event appended.
    public var lastPosition: UInt64
    /// The time stamped on the events (all events of one append share it).
    public var timestamp: Timestamp
}

/// The last record of the log: its position (0 for an empty log) and chain hash.
public struct Head: Sendable, Hashable, Codable {
    public var position: UInt64
    public var hash: ChainHash

    public init(position: UInt64, hash: ChainHash) {
        self.position = position
        self.hash = hash
    }

    public static let empty = Head(position: 0, hash: .genesis)

    enum CodingKeys: String, CodingKey { case position, hash }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        position = try container.decode(UInt64.self, forKey: .position)
        let hex = try container.decode(String.self, forKey: .hash)
        guard let hash = ChainHash(hex: hex) else {
            throw DecodingError.dataCorruptedError(forKey: .hash, in: container, debugDescription: "not 64 hex digits")
        }
        self.hash = hash
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(hash.hex, forKey: .hash)
    }
}

/// Which way to read a stream.
public enum ReadDirection: Sendable, Hashable {
    case forward
    case backward
}
