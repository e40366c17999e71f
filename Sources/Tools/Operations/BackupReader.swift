public import EventStore
import Foundation

/// Reads a backup file: checks its trailer and whole-file SHA-256, then walks its body.
public struct BackupReader: Sendable {
    public let path: String
    public let manifest: BackupManifest
    let bodyRange: Range<UInt64>

    /// Opens and checks the file's integrity (the trailing SHA-256 over every byte).
    public init(path: String, progress: ((Double) -> Void)? = nil) throws {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else { throw OperationError.io("cannot read \(path)") }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        guard size >= UInt64(BackupFormat.headerSize + BackupFormat.trailerSize) else {
            throw OperationError.corrupt("\(path) is too short to be a backup (\(size) bytes)")
        }
        try handle.seek(toOffset: 0)
        let header = Array(try handle.read(upToCount: BackupFormat.headerSize) ?? Data())
        guard header.count == BackupFormat.headerSize, Array(header[0..<8]) == BackupFormat.magic else {
            throw OperationError.corrupt("\(path) is not a Causerie backup")
        }
        let version = header[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        guard version == BackupFormat.version else {
            throw OperationError.corrupt("backup format version \(version) is not one this build reads (\(BackupFormat.version))")
        }
        try handle.seek(toOffset: size - UInt64(BackupFormat.trailerSize))
        let trailer = Array(try handle.read(upToCount: BackupFormat.trailerSize) ?? Data())
        guard trailer.count == BackupFormat.trailerSize, Array(trailer[16..<24]) == BackupFormat.endMagic else {
            throw OperationError.corrupt("\(path) has no valid end (cut short, or bytes appended)")
        }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(trailer[at + $1]) << (8 * UInt64($1)) } }
        let manifestOffset = u64(0)
        let manifestLength = u64(8)
        let stored = Array(trailer[24..<56])
        // The whole file, hashed, against the digest at its end.
        var hasher = SHA256Hasher()
        try handle.seek(toOffset: 0)
        var remaining = size - 32
        var done: UInt64 = 0
        while remaining > 0 {
            let chunk = try handle.read(upToCount: Int(min(remaining, UInt64(BackupFormat.chunkSize)))) ?? Data()
            guard !chunk.isEmpty else { throw OperationError.corrupt("\(path) ends early") }
            chunk.withUnsafeBytes { hasher.update($0) }
            remaining -= UInt64(chunk.count)
            done += UInt64(chunk.count)
            progress?(Double(done) / Double(size))
        }
        guard hasher.finalizeBytes() == stored else {
            throw OperationError.corrupt("\(path) does not match its SHA-256: the file was altered or damaged")
        }
        // Numbers from the file are checked before any arithmetic: a crafted trailer must not trap.
        let (manifestEnd, overflow) = manifestOffset.addingReportingOverflow(manifestLength)
        guard manifestOffset >= UInt64(BackupFormat.headerSize), !overflow,
              manifestEnd == size - UInt64(BackupFormat.trailerSize), manifestLength <= 64 << 20
        else { throw OperationError.corrupt("\(path) has an inconsistent trailer") }
        try handle.seek(toOffset: manifestOffset)
        let json = try handle.read(upToCount: Int(manifestLength)) ?? Data()
        do {
            manifest = try JSONDecoder().decode(BackupManifest.self, from: json)
        } catch {
            throw OperationError.corrupt("\(path) has an unreadable manifest: \(error)")
        }
        bodyRange = UInt64(BackupFormat.headerSize)..<manifestOffset
    }

    /// What the body holds, in order.
    public enum Item {
        case fileStart(String)
        case fileChunk(UnsafeRawBufferPointer)
        case fileEnd
        case records([LMDBEventStore.RawRecord])
    }

    /// Decompresses the body and hands each item to `body`, checking its structure.
    public func walk(_ body: (Item) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw OperationError.io("cannot read \(path)") }
        defer { try? handle.close() }
        try handle.seek(toOffset: bodyRange.lowerBound)
        let decompressor = ZstdDecompressor()
        var parser = BodyParser()
        var remaining = bodyRange.upperBound - bodyRange.lowerBound
        while remaining > 0 {
            let chunk = try handle.read(upToCount: Int(min(remaining, UInt64(BackupFormat.chunkSize)))) ?? Data()
            guard !chunk.isEmpty else { throw OperationError.corrupt("the body ends early") }
            remaining -= UInt64(chunk.count)
            try chunk.withUnsafeBytes { compressed in
                try decompressor.feed(compressed) { plain in try parser.consume(plain, body) }
            }
        }
        guard decompressor.frameEnded, parser.finished else { throw OperationError.corrupt("the body is incomplete") }
    }
}

/// Parses the decompressed body as it arrives, whatever the chunk boundaries.
struct BodyParser {
    private enum State {
        case entryKind
        case fileNameLength
        case fileName(Int)
        case fileChunkLength
        case fileChunk(Int)
        case recordsCount
        case records(Int)
        case end
    }

    private var state = State.entryKind
    private var buffer: [UInt8] = []
    private(set) var finished = false

    mutating func consume(_ bytes: UnsafeRawBufferPointer, _ body: (BackupReader.Item) throws -> Void) throws {
        buffer.append(contentsOf: bytes)
        var offset = 0
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard buffer.count - offset >= count else { return nil }
            defer { offset += count }
            return buffer[offset..<offset + count]
        }
        func integer<T: FixedWidthInteger>(_ slice: ArraySlice<UInt8>) -> T {
            slice.enumerated().reduce(T(0)) { $0 | T($1.element) << (8 * $1.offset) }
        }
        parsing: while true {
            switch state {
            case .end:
                if offset < buffer.count { throw OperationError.corrupt("data after the end of the body") }
                break parsing
            case .entryKind:
                guard let kind = take(1)?.first else { break parsing }
                switch kind {
                case 0:
                    state = .end
                    finished = true
                case 1: state = .fileNameLength
                case 2: state = .recordsCount
                default: throw OperationError.corrupt("unknown entry kind \(kind)")
                }
            case .fileNameLength:
                guard let slice = take(2) else { break parsing }
                state = .fileName(Int(integer(slice) as UInt16))
            case .fileName(let length):
                guard let slice = take(length) else { break parsing }
                let name = String(decoding: slice, as: UTF8.self)
                guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
                    throw OperationError.corrupt("a file entry has an unsafe name")
                }
                try body(.fileStart(name))
                state = .fileChunkLength
            case .fileChunkLength:
                guard let slice = take(4) else { break parsing }
                let length = Int(integer(slice) as UInt32)
                guard length <= BackupFormat.chunkSize else { throw OperationError.corrupt("a chunk is too large") }
                if length == 0 {
                    try body(.fileEnd)
                    state = .entryKind
                } else {
                    state = .fileChunk(length)
                }
            case .fileChunk(let length):
                guard let slice = take(length) else { break parsing }
                try slice.withUnsafeBytes { try body(.fileChunk($0)) }
                state = .fileChunkLength
            case .recordsCount:
                guard let slice = take(4) else { break parsing }
                let count = Int(integer(slice) as UInt32)
                state = count == 0 ? .entryKind : .records(count)
            case .records(let count):
                // A group is parsed whole (groups are written a few thousand records at a time).
                var cursor = offset
                var records: [LMDBEventStore.RawRecord] = []
                // The count is from the file: reserve for what the buffer can hold, not for it.
                records.reserveCapacity(min(count, (buffer.count - cursor) / 12 + 1))
                for _ in 0..<count {
                    guard buffer.count - cursor >= 12 else { break parsing }
                    let position: UInt64 = integer(buffer[cursor..<cursor + 8])
                    let length = Int(integer(buffer[cursor + 8..<cursor + 12]) as UInt32)
                    guard length <= 64 << 20 else { throw OperationError.corrupt("a record is too large") }
                    guard buffer.count - cursor - 12 >= length else { break parsing }
                    records.append(.init(position: position, bytes: Array(buffer[cursor + 12..<cursor + 12 + length])))
                    cursor += 12 + length
                }
                offset = cursor
                try body(.records(records))
                state = .recordsCount
            }
        }
        buffer.removeFirst(offset)
    }
}
