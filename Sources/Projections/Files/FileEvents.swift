/// Files and folders: sent to a room or a person, kept in a personal area or the public one
/// (docs/files.md). Every file action is one of these events; the bytes are in the blob store,
/// named by their SHA-256, and written there before the event that names them is appended.

public struct FileID: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// Where a file lives. A file sent to a person lives in their direct conversation (`room`).
public enum FileArea: Hashable, Sendable, BinaryCodable {
    case room(RoomID)
    case personal(UserID)
    case `public`
    /// A Kanban board's files (card attachments): its members read them.
    case board(BoardID)

    /// The stream of the area's events: a room's files are in its stream, so that its history,
    /// its catch-up and its audience are the messages' own.
    public var stream: String {
        switch self {
        case .room(let room): Streams.room(room)
        case .personal(let user): "files:user:\(user.rawValue)"
        case .public: "files:public"
        case .board(let board): Streams.board(board)
        }
    }

    public func encode(to w: inout BinaryWriter) {
        switch self {
        case .room(let room): w.write(UInt8(0)); w.write(room)
        case .personal(let user): w.write(UInt8(1)); w.write(user)
        case .public: w.write(UInt8(2))
        case .board(let board): w.write(UInt8(3)); w.write(board)
        }
    }

    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        switch try r.read() as UInt8 {
        case 0: self = .room(try r.read())
        case 1: self = .personal(try r.read())
        case 2: self = .public
        case 3: self = .board(try r.read())
        default: throw BinaryReader.Malformed(offset: -1)
        }
    }
}

/// The stored content a file names: its SHA-256 (hex), size and sniffed media type.
public struct BlobRef: Hashable, Sendable, BinaryCodable {
    public var sha256: String
    public var size: UInt64
    public var mediaType: String

    public init(sha256: String, size: UInt64, mediaType: String) {
        self.sha256 = sha256
        self.size = size
        self.mediaType = mediaType
    }
    public func encode(to w: inout BinaryWriter) { w.write(sha256); w.write(size); w.write(mediaType) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        sha256 = try r.read(); size = try r.read(); mediaType = try r.read()
    }
}

/// A file was stored in `area` under `folder` ("" the root) as `name` (already made free of
/// collisions). With `replaces`, it takes the place of that file (a WebDAV or FTP overwrite).
public struct FileUploaded: EventPayload {
    public static let tag: UInt16 = 90
    public var file: FileID
    public var area: FileArea
    public var folder: String
    public var name: String
    public var blob: BlobRef
    public var replaces: FileID?

    public init(file: FileID, area: FileArea, folder: String, name: String, blob: BlobRef, replaces: FileID? = nil) {
        self.file = file
        self.area = area
        self.folder = folder
        self.name = name
        self.blob = blob
        self.replaces = replaces
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(file); w.write(area); w.write(folder); w.write(name); w.write(blob); w.write(replaces)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        file = try r.read(); area = try r.read(); folder = try r.read(); name = try r.read(); blob = try r.read()
        replaces = try r.read()
    }
}

/// One file of a shared folder: its path inside the folder ("sub/dir/name").
public struct SharedEntry: Hashable, Sendable, BinaryCodable {
    public var file: FileID
    public var path: String
    public var blob: BlobRef

    public init(file: FileID, path: String, blob: BlobRef) {
        self.file = file
        self.path = path
        self.blob = blob
    }
    public func encode(to w: inout BinaryWriter) { w.write(file); w.write(path); w.write(blob) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        file = try r.read(); path = try r.read(); blob = try r.read()
    }
}

/// A whole folder was sent at once: `name` (made free of collisions) under `folder`, with its
/// files and its empty sub-folders, as one event (one fsync, one history line).
public struct FolderShared: EventPayload {
    public static let tag: UInt16 = 91
    public var area: FileArea
    public var folder: String
    public var name: String
    public var entries: [SharedEntry]
    /// Sub-folders with no files, by path inside the shared folder.
    public var emptyFolders: [String]

    public init(area: FileArea, folder: String, name: String, entries: [SharedEntry], emptyFolders: [String]) {
        self.area = area
        self.folder = folder
        self.name = name
        self.entries = entries
        self.emptyFolders = emptyFolders
    }
    public var path: String { folder.isEmpty ? name : "\(folder)/\(name)" }
    public func encode(to w: inout BinaryWriter) {
        w.write(area); w.write(folder); w.write(name); w.write(entries); w.write(emptyFolders)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        area = try r.read(); folder = try r.read(); name = try r.read(); entries = try r.read(); emptyFolders = try r.read()
    }
}

public struct FileRenamed: EventPayload {
    public static let tag: UInt16 = 92
    public var file: FileID
    public var name: String

    public init(file: FileID, name: String) {
        self.file = file
        self.name = name
    }
    public func encode(to w: inout BinaryWriter) { w.write(file); w.write(name) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { file = try r.read(); name = try r.read() }
}

/// A file moved to another folder, possibly of another area (stream: the area it left).
public struct FileMoved: EventPayload {
    public static let tag: UInt16 = 93
    public var file: FileID
    public var area: FileArea
    public var folder: String
    public var name: String

    public init(file: FileID, area: FileArea, folder: String, name: String) {
        self.file = file
        self.area = area
        self.folder = folder
        self.name = name
    }
    public func encode(to w: inout BinaryWriter) { w.write(file); w.write(area); w.write(folder); w.write(name) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        file = try r.read(); area = try r.read(); folder = try r.read(); name = try r.read()
    }
}

public struct FileDeleted: EventPayload {
    public static let tag: UInt16 = 94
    public var file: FileID

    public init(file: FileID) { self.file = file }
    public func encode(to w: inout BinaryWriter) { w.write(file) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { file = try r.read() }
}

/// An empty folder was made (WebDAV MKCOL, FTP MKD, "New folder" in the web client).
public struct FolderCreated: EventPayload {
    public static let tag: UInt16 = 95
    public var area: FileArea
    public var path: String

    public init(area: FileArea, path: String) {
        self.area = area
        self.path = path
    }
    public func encode(to w: inout BinaryWriter) { w.write(area); w.write(path) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { area = try r.read(); path = try r.read() }
}

/// A folder and everything in it moved or was renamed, within its area.
public struct FolderMoved: EventPayload {
    public static let tag: UInt16 = 96
    public var area: FileArea
    public var from: String
    public var to: String

    public init(area: FileArea, from: String, to: String) {
        self.area = area
        self.from = from
        self.to = to
    }
    public func encode(to w: inout BinaryWriter) { w.write(area); w.write(from); w.write(to) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        area = try r.read(); from = try r.read(); to = try r.read()
    }
}

/// A folder and everything in it was deleted.
public struct FolderDeleted: EventPayload {
    public static let tag: UInt16 = 97
    public var area: FileArea
    public var path: String

    public init(area: FileArea, path: String) {
        self.area = area
        self.path = path
    }
    public func encode(to w: inout BinaryWriter) { w.write(area); w.write(path) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { area = try r.read(); path = try r.read() }
}

/// The administrator's file limits (stream `server`): the quota of every user without one of
/// their own, and the largest single file (0: no cap below the quota).
public struct FileLimitsChanged: EventPayload {
    public static let tag: UInt16 = 98
    public var defaultQuota: UInt64
    public var maxFileSize: UInt64

    public init(defaultQuota: UInt64, maxFileSize: UInt64) {
        self.defaultQuota = defaultQuota
        self.maxFileSize = maxFileSize
    }
    public func encode(to w: inout BinaryWriter) { w.write(defaultQuota); w.write(maxFileSize) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        defaultQuota = try r.read(); maxFileSize = try r.read()
    }
}

/// One user's quota (stream `user:<id>`); nil goes back to the default.
public struct UserQuotaChanged: EventPayload {
    public static let tag: UInt16 = 99
    public var bytes: UInt64?

    public init(bytes: UInt64?) { self.bytes = bytes }
    public func encode(to w: inout BinaryWriter) { w.write(bytes) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { bytes = try r.read() }
}

/// Blobs no file named any longer were removed from the store after their grace period
/// (stream `operations`): the collection is history too.
public struct BlobsCollected: EventPayload {
    public static let tag: UInt16 = 100
    public var blobs: [String]
    public var bytes: UInt64

    public init(blobs: [String], bytes: UInt64) {
        self.blobs = blobs
        self.bytes = bytes
    }
    public func encode(to w: inout BinaryWriter) { w.write(blobs); w.write(bytes) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { blobs = try r.read(); bytes = try r.read() }
}

extension FileID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
