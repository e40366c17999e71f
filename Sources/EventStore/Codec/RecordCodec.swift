import COpenSSL
import Foundation

/// The on-disk record format, version 1 (docs/event-log.md describes it byte by byte).
///
///     offset size  field
///     0      1     format version (1)
///     1      1     flags (bit 0: payload is zstd-compressed)
///     2      2     event type tag            (little-endian, as every integer below)
///     4      2     schema version
///     6      2     reserved, 0
///     8      8     timestamp, µs since the Unix epoch (signed)
///     16     8     stream version
///     24     16    correlation id
///     40     16    causation id
///     56     2     stream id length S
///     58     2     actor length A
///     60     4     stored payload length P
///     64     4     original payload length
///     68     S+A+P stream id, actor, payload (UTF-8, UTF-8, bytes)
///     end-32 32    SHA-256(previous record's hash ‖ position as 8 big-endian bytes ‖ bytes 0..<end-32)
///
/// The position is the LMDB key (8 bytes, big-endian), not repeated in the value, but it is covered
/// by the hash, so a record moved to another key no longer verifies.
enum RecordCodec {
    static let formatVersion: UInt8 = 1
    static let headerSize = 68
    static let hashSize = 32
    static let compressedFlag: UInt8 = 0b1

    /// Envelope fields of a record about to be written.
    struct Envelope {
        var timestamp: Timestamp
        var streamVersion: UInt64
        var event: NewEvent
        /// The payload as stored: compressed or not.
        var storedPayload: [UInt8]
        var compressed: Bool
    }

    static func encodedSize(_ envelope: Envelope) -> Int {
        headerSize + envelope.event.stream.utf8.count + envelope.event.actor.utf8.count
            + envelope.storedPayload.count + hashSize
    }

    /// Writes the record into `buffer` (exactly `encodedSize` bytes) and returns its chain hash.
    static func write(
        _ envelope: Envelope, position: UInt64, previous: ChainHash, into buffer: UnsafeMutableRawBufferPointer
    ) -> ChainHash {
        var offset = 0
        func put<T: FixedWidthInteger>(_ value: T) {
            buffer.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
            offset += MemoryLayout<T>.size
        }
        func put(uuid: UUID) {
            withUnsafeBytes(of: uuid.uuid) { raw in
                buffer.baseAddress!.advanced(by: offset).copyMemory(from: raw.baseAddress!, byteCount: 16)
            }
            offset += 16
        }
        func put(string: String) {
            var text = string
            text.withUTF8 { utf8 in
                if let base = utf8.baseAddress {
                    buffer.baseAddress!.advanced(by: offset).copyMemory(from: base, byteCount: utf8.count)
                }
                offset += utf8.count
            }
        }
        let event = envelope.event
        put(formatVersion)
        put(envelope.compressed ? compressedFlag : 0)
        put(event.type)
        put(event.schemaVersion)
        put(UInt16(0))
        put(envelope.timestamp.microseconds)
        put(envelope.streamVersion)
        put(uuid: event.correlationID)
        put(uuid: event.causationID)
        put(UInt16(event.stream.utf8.count))
        put(UInt16(event.actor.utf8.count))
        put(UInt32(envelope.storedPayload.count))
        put(UInt32(event.payload.count))
        put(string: event.stream)
        put(string: event.actor)
        envelope.storedPayload.withUnsafeBytes { raw in
            if raw.count > 0 {
                buffer.baseAddress!.advanced(by: offset).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
            }
        }
        offset += envelope.storedPayload.count
        let hash = chainHash(previous: previous, position: position, body: UnsafeRawBufferPointer(rebasing: buffer[0..<offset]))
        hash.withUnsafeBytes { raw in
            buffer.baseAddress!.advanced(by: offset).copyMemory(from: raw.baseAddress!, byteCount: hashSize)
        }
        return hash
    }

    static func chainHash(previous: ChainHash, position: UInt64, body: UnsafeRawBufferPointer) -> ChainHash {
        var out = ChainHash.genesis
        withUnsafeMutableBytes(of: &out) { outRaw in
            previous.withUnsafeBytes { prev in
                causerie_chain_hash(
                    prev.baseAddress!.assumingMemoryBound(to: UInt8.self), position,
                    body.baseAddress, body.count, outRaw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return out
    }

    // MARK: Reading

    /// The stored hash of a record (its last 32 bytes), after a minimal size check.
    static func storedHash(_ bytes: UnsafeRawBufferPointer, position: UInt64) throws(EventStoreError) -> ChainHash {
        guard bytes.count >= headerSize + hashSize else {
            throw EventStoreError(.corrupt, position: position, "record is \(bytes.count) bytes, shorter than its header")
        }
        return ChainHash(bytes: UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - hashSize)...]))
    }

    /// The timestamp of a record without decoding the rest.
    static func timestamp(_ bytes: UnsafeRawBufferPointer, position: UInt64) throws(EventStoreError) -> Timestamp {
        try checkHeader(bytes, position: position)
        return Timestamp(microseconds: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int64.self)))
    }

    /// The event type tag of a record without decoding the rest.
    static func type(_ bytes: UnsafeRawBufferPointer, position: UInt64) throws(EventStoreError) -> UInt16 {
        try checkHeader(bytes, position: position)
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
    }

    /// The record's stream version if its stream id is `stream` (UTF-8 bytes), else nil.
    static func version(_ bytes: UnsafeRawBufferPointer, ifStreamIs stream: [UInt8], position: UInt64)
        throws(EventStoreError) -> UInt64?
    {
        try checkHeader(bytes, position: position)
        let length = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 56, as: UInt16.self)))
        guard length == stream.count,
              stream.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress! + headerSize, length) == 0 })
        else { return nil }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
    }

    /// Checks the format version and that the lengths add up to the record's size.
    static func checkHeader(_ bytes: UnsafeRawBufferPointer, position: UInt64) throws(EventStoreError) {
        guard bytes.count >= headerSize + hashSize else {
            throw EventStoreError(.corrupt, position: position, "record is \(bytes.count) bytes, shorter than its header")
        }
        let version = bytes[0]
        if version > formatVersion {
            throw EventStoreError(
                .unsupportedFormat, position: position,
                "record format version \(version) is newer than this build reads (\(formatVersion)); upgrade causerie")
        }
        guard version == formatVersion else {
            throw EventStoreError(.corrupt, position: position, "record format version \(version) is not valid")
        }
        guard bytes[1] & ~compressedFlag == 0 else {
            throw EventStoreError(.corrupt, position: position, "unknown flags \(bytes[1])")
        }
        let streamLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 56, as: UInt16.self)))
        let actorLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 58, as: UInt16.self)))
        let storedLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 60, as: UInt32.self)))
        guard headerSize + streamLength + actorLength + storedLength + hashSize == bytes.count else {
            throw EventStoreError(
                .corrupt, position: position,
                "record lengths do not add up to its size \(bytes.count) (truncated or damaged)")
        }
    }

    /// Decodes a record. With `previous`, also checks that its hash extends that one.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, position: UInt64, previous: ChainHash?, stream known: String? = nil
    ) throws(EventStoreError) -> RecordedEvent {
        try checkHeader(bytes, position: position)
        let hashOffset = bytes.count - hashSize
        let stored = ChainHash(bytes: UnsafeRawBufferPointer(rebasing: bytes[hashOffset...]))
        if let previous {
            let computed = chainHash(
                previous: previous, position: position, body: UnsafeRawBufferPointer(rebasing: bytes[..<hashOffset]))
            guard computed == stored else {
                throw EventStoreError(.corrupt, position: position, "hash does not match the record and its predecessor")
            }
        }
        func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
        func uuid(_ at: Int) -> UUID {
            UUID(uuid: bytes.loadUnaligned(fromByteOffset: at, as: uuid_t.self))
        }
        let streamLength = Int(u16(56))
        let actorLength = Int(u16(58))
        let storedLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 60, as: UInt32.self)))
        let originalLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 64, as: UInt32.self)))
        var offset = headerSize
        let streamBytes = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + streamLength])
        // A stream read knows the name: the caller's string is shared rather than a new one made per record.
        let stream = known.flatMap { $0.utf8.elementsEqual(streamBytes) ? $0 : nil } ?? String(decoding: streamBytes, as: UTF8.self)
        offset += streamLength
        let actor = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + actorLength]), as: UTF8.self)
        offset += actorLength
        let storedPayload = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + storedLength])
        let payload: [UInt8]
        if bytes[1] & compressedFlag != 0 {
            guard let inflated = Zstd.decompress(storedPayload, originalSize: originalLength) else {
                throw EventStoreError(.corrupt, position: position, "compressed payload does not decompress")
            }
            payload = inflated
        } else {
            guard originalLength == storedLength else {
                throw EventStoreError(.corrupt, position: position, "payload lengths disagree")
            }
            payload = Array(storedPayload)
        }
        return RecordedEvent(
            position: position,
            timestamp: Timestamp(microseconds: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int64.self))),
            stream: stream,
            streamVersion: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            type: u16(2),
            schemaVersion: u16(4),
            actor: actor,
            correlationID: uuid(24),
            causationID: uuid(40),
            payload: payload,
            hash: stored)
    }
}
