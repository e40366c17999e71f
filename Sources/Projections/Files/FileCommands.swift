/// Who may read and change files, and the commands that store, move and delete them. Every door
/// (web, WebDAV, FTP) decides through these: one rule, one place.

extension ChatState {
    /// Whether `user` may read the area now: a room's members, a personal area's owner, every
    /// active account for the public area.
    public func mayRead(_ area: FileArea, _ user: UserID) -> Bool {
        guard let account = accounts[user], !account.disabled else { return false }
        switch area {
        case .room(let room): return rooms[room].map { !$0.deleted && $0.members.contains(user) } ?? false
        case .personal(let owner): return owner == user
        case .public: return true
        case .board(let board): return mayRead(board, user)
        }
    }

    /// Whether `user` may read the file (what every download and listing asks).
    public func mayRead(_ file: FilesView.File, _ user: UserID) -> Bool { mayRead(file.area, user) }

    /// Storing into the area: `sendFiles`, and the area's own rule. An area the actor cannot
    /// read answers `notFound`, as if it did not exist.
    func requireWrite(_ area: FileArea, _ actor: UserID, now: Int64) throws(Rejection) {
        guard mayRead(area, actor) else {
            _ = try activeAccount(actor)
            throw .notFound("area")
        }
        try require(.sendFiles, actor)
        switch area {
        case .room(let id):
            let room = try roomOfMember(id, actor)
            try require(room.visibility == .direct ? .directMessages : .postToRooms, actor)
            guard !room.archived else { throw .forbidden("archived") }
            if let until = room.muted[actor], until > now {
                throw Rejection(.forbidden, "muted", retryAfter: Int((until - now + 999_999) / 1_000_000))
            }
            if room.visibility == .direct {
                guard room.members.allSatisfy({ accounts[$0]?.disabled == false }) else { throw .forbidden("recipient_disabled") }
            }
        case .personal:
            break
        case .public:
            let rights = permissions(of: actor)
            guard rights.contains(.publicFiles) || rights.contains(.administer) else {
                throw .forbidden("missing_permission:publicFiles")
            }
        case .board(let board):
            _ = try self.board(board, actor, atLeast: .editor)
        }
    }

    /// Changing what is already stored (rename, move, delete): a personal area's owner; in the
    /// public area whoever may write there; in a room the uploader, the room's operators and
    /// owners, and the server's moderators and administrators.
    func requireChange(_ area: FileArea, uploaders: Set<UserID>, _ actor: UserID) throws(Rejection) {
        guard mayRead(area, actor) else {
            _ = try activeAccount(actor)
            throw .notFound("file")
        }
        _ = try activeAccount(actor)
        let rights = permissions(of: actor)
        switch area {
        case .personal:
            return
        case .public:
            guard rights.contains(.publicFiles) || rights.contains(.administer) else {
                throw .forbidden("missing_permission:publicFiles")
            }
        case .room(let id):
            if rights.contains(.moderate) || rights.contains(.administer) { return }
            if let room = rooms[id], room.role(of: actor) >= .operator { return }
            guard !uploaders.isEmpty, uploaders == [actor] else { throw .forbidden("not_uploader") }
        case .board(let board):
            _ = try self.board(board, actor, atLeast: .editor)
        }
    }

    func readableFile(_ id: FileID, _ actor: UserID) throws(Rejection) -> FilesView.File {
        guard let file = files[id], mayRead(file, actor) else {
            _ = try activeAccount(actor)
            throw .notFound("file")
        }
        return file
    }
}

/// A name or path from outside, checked by the file rules.
func checkedName(_ raw: String) throws(Rejection) -> String {
    switch FileNames.name(raw) {
    case .success(let name): return name
    case .failure(let problem): throw .invalid("name:\(problem.rawValue)")
    }
}

func checkedPath(_ raw: String) throws(Rejection) -> String {
    switch FileNames.normalisedPath(raw) {
    case .success(let path): return path
    case .failure(let problem): throw .invalid("path:\(problem.rawValue)")
    }
}

extension FilesView {
    /// Refuses what would take `actor` past their quota or past the largest file allowed.
    func requireRoom(for sizes: [UInt64], freeing freed: UInt64 = 0, by actor: UserID) throws(Rejection) {
        if maxFileSize > 0, sizes.contains(where: { $0 > maxFileSize }) { throw .tooLarge("file_size") }
        var total: UInt64 = 0
        for size in sizes {
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow else { throw .tooLarge("quota") }
            total = sum
        }
        let used = used(by: actor) - min(used(by: actor), freed)
        let (after, overflow) = used.addingReportingOverflow(total)
        guard !overflow, after <= quota(of: actor) else { throw .tooLarge("quota") }
    }
}

/// Stores a file whose content is already in the blob store.
public struct StoreFile: Command {
    /// What to do when the folder already has a file of that name.
    public enum OnCollision: Sendable {
        /// Keep both: the new one gets " (2)" (the web client, chat attachments).
        case rename
        /// Take its place (WebDAV PUT, FTP STOR).
        case replace
        /// Refuse with `conflict` (a client that asked not to overwrite).
        case refuse
    }

    public var file: FileID
    public var area: FileArea
    public var folder: String
    public var name: String
    public var blob: BlobRef
    public var onCollision: OnCollision

    public init(file: FileID, area: FileArea, folder: String, name: String, blob: BlobRef, onCollision: OnCollision = .rename) {
        self.file = file
        self.area = area
        self.folder = folder
        self.name = name
        self.blob = blob
        self.onCollision = onCollision
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let name = try checkedName(name)
        let folder = try checkedPath(folder)
        try state.requireWrite(area, actor, now: now)
        guard state.files.folderExists(area, folder) else { throw .conflict("no_folder") }
        var replaces: FilesView.File?
        var finalName = name
        let key = FileNames.key(name)
        if state.files.subfolders[.init(area, folder)]?[key] != nil {
            guard onCollision == .rename else { throw .conflict("folder_exists") }
            finalName = FileNames.free(name) { state.files.isTaken(area, folder, key: $0) }
        } else if let existing = state.files.file(area, folder, named: name) {
            switch onCollision {
            case .rename: finalName = FileNames.free(name) { state.files.isTaken(area, folder, key: $0) }
            case .refuse: throw .conflict("file_exists")
            case .replace:
                try state.requireChange(area, uploaders: [existing.uploader], actor)
                replaces = existing
                finalName = existing.name == name ? existing.name : name
            }
        }
        let freed = replaces.map { $0.uploader == actor ? $0.blob.size : 0 } ?? 0
        try state.files.requireRoom(for: [blob.size], freeing: freed, by: actor)
        guard state.files[file] == nil else { throw .conflict("file_exists") }
        return Decision([PendingEvent(area.stream, .fileUploaded(.init(
            file: file, area: area, folder: state.files.shownPath(area, folder) ?? folder, name: finalName, blob: blob,
            replaces: replaces?.id)))])
    }
}

/// Sends a whole folder: its files (already in the blob store) and empty sub-folders.
public struct ShareFolder: Command {
    public var area: FileArea
    public var folder: String
    public var name: String
    public var entries: [SharedEntry]
    public var emptyFolders: [String]

    /// Files in one shared folder, at most (a larger tree is sent in several).
    public static let maxEntries = 100_000

    public init(area: FileArea, folder: String, name: String, entries: [SharedEntry], emptyFolders: [String] = []) {
        self.area = area
        self.folder = folder
        self.name = name
        self.entries = entries
        self.emptyFolders = emptyFolders
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let name = try checkedName(name)
        let folder = try checkedPath(folder)
        guard entries.count + emptyFolders.count <= Self.maxEntries else { throw .tooLarge("entries") }
        try state.requireWrite(area, actor, now: now)
        guard state.files.folderExists(area, folder) else { throw .conflict("no_folder") }
        var seen: Set<String> = []
        var clean: [SharedEntry] = []
        clean.reserveCapacity(entries.count)
        for entry in entries {
            let path = try checkedPath(entry.path)
            guard !path.isEmpty, seen.insert(FileNames.key(path)).inserted else { throw .invalid("duplicate_entry") }
            guard state.files[entry.file] == nil else { throw .conflict("file_exists") }
            var checked = entry
            checked.path = path
            clean.append(checked)
        }
        var folders: [String] = []
        for path in emptyFolders {
            let path = try checkedPath(path)
            guard !path.isEmpty else { throw .invalid("path:empty") }
            folders.append(path)
        }
        // A name both a file and a folder ("a" and "a/b") cannot be stored.
        for entry in clean {
            var prefix = Substring(FileNames.key(entry.path))
            while let slash = prefix.lastIndex(of: "/") {
                prefix = prefix[..<slash]
                if seen.contains(String(prefix)) { throw .invalid("file_and_folder") }
            }
        }
        try state.files.requireRoom(for: clean.map(\.blob.size), by: actor)
        let finalName = FileNames.free(name) { state.files.isTaken(area, folder, key: $0) }
        return Decision([PendingEvent(area.stream, .folderShared(.init(
            area: area, folder: state.files.shownPath(area, folder) ?? folder, name: finalName, entries: clean,
            emptyFolders: folders)))])
    }
}

public struct RenameFile: Command {
    public var file: FileID
    public var name: String

    public init(file: FileID, name: String) {
        self.file = file
        self.name = name
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.readableFile(file, actor)
        try state.requireChange(found.area, uploaders: [found.uploader], actor)
        let name = try checkedName(name)
        let key = FileNames.key(name)
        if key != FileNames.key(found.name), state.files.isTaken(found.area, found.folder, key: key) { throw .conflict("name_taken") }
        guard name != found.name else { return Decision([]) }
        return Decision([PendingEvent(found.area.stream, .fileRenamed(.init(file: file, name: name)))])
    }
}

public struct MoveFile: Command {
    public var file: FileID
    public var area: FileArea
    public var folder: String
    public var name: String?
    public var overwrite: Bool

    public init(file: FileID, area: FileArea, folder: String, name: String? = nil, overwrite: Bool = false) {
        self.file = file
        self.area = area
        self.folder = folder
        self.name = name
        self.overwrite = overwrite
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.readableFile(file, actor)
        try state.requireChange(found.area, uploaders: [found.uploader], actor)
        let folder = try checkedPath(folder)
        let name = try checkedName(name ?? found.name)
        if area != found.area { try state.requireWrite(area, actor, now: now) }
        guard state.files.folderExists(area, folder) else { throw .conflict("no_folder") }
        let key = FileNames.key(name)
        var events: [PendingEvent] = []
        if state.files.subfolders[.init(area, folder)]?[key] != nil { throw .conflict("folder_exists") }
        if let existing = state.files.file(area, folder, named: name), existing.id != file {
            guard overwrite else { throw .conflict("file_exists") }
            try state.requireChange(area, uploaders: [existing.uploader], actor)
            events.append(PendingEvent(area.stream, .fileDeleted(.init(file: existing.id))))
        }
        events.append(PendingEvent(found.area.stream, .fileMoved(.init(
            file: file, area: area, folder: state.files.shownPath(area, folder) ?? folder, name: name))))
        return Decision(events)
    }
}

public struct DeleteFile: Command {
    public var file: FileID

    public init(file: FileID) { self.file = file }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.readableFile(file, actor)
        try state.requireChange(found.area, uploaders: [found.uploader], actor)
        return Decision([PendingEvent(found.area.stream, .fileDeleted(.init(file: file)))])
    }
}

public struct CreateFolder: Command {
    public var area: FileArea
    public var path: String

    public init(area: FileArea, path: String) {
        self.area = area
        self.path = path
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let path = try checkedPath(path)
        guard let (parent, name) = FilesView.parentAndName(path) else { throw .conflict("exists") }
        try state.requireWrite(area, actor, now: now)
        guard state.files.folderExists(area, parent) else { throw .conflict("no_folder") }
        guard !state.files.isTaken(area, parent, key: FileNames.key(name)) else { throw .conflict("exists") }
        let shown = state.files.shownPath(area, parent) ?? parent
        return Decision([PendingEvent(area.stream, .folderCreated(.init(area: area, path: shown.isEmpty ? name : "\(shown)/\(name)")))])
    }
}

/// Moves or renames a folder within its area.
public struct MoveFolder: Command {
    public var area: FileArea
    public var from: String
    public var to: String

    public init(area: FileArea, from: String, to: String) {
        self.area = area
        self.from = from
        self.to = to
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let from = try checkedPath(from)
        let to = try checkedPath(to)
        guard !from.isEmpty, state.mayRead(area, actor), state.files.folderExists(area, from) else {
            _ = try state.activeAccount(actor)
            throw .notFound("folder")
        }
        let uploaders = Set(state.files.files(under: from, in: area).map(\.uploader))
        try state.requireChange(area, uploaders: uploaders.isEmpty ? [actor] : uploaders, actor)
        try state.requireWrite(area, actor, now: now)
        guard let (parent, name) = FilesView.parentAndName(to) else { throw .conflict("exists") }
        let fromKey = FileNames.key(from), toKey = FileNames.key(to)
        guard toKey != fromKey, !toKey.hasPrefix(fromKey + "/") else { throw .invalid("into_itself") }
        guard state.files.folderExists(area, parent) else { throw .conflict("no_folder") }
        guard !state.files.isTaken(area, parent, key: FileNames.key(name)) else { throw .conflict("exists") }
        let shownParent = state.files.shownPath(area, parent) ?? parent
        return Decision([PendingEvent(area.stream, .folderMoved(.init(
            area: area, from: state.files.shownPath(area, from) ?? from, to: shownParent.isEmpty ? name : "\(shownParent)/\(name)")))])
    }
}

public struct DeleteFolder: Command {
    public var area: FileArea
    public var path: String

    public init(area: FileArea, path: String) {
        self.area = area
        self.path = path
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let path = try checkedPath(path)
        guard !path.isEmpty, state.mayRead(area, actor), state.files.folderExists(area, path) else {
            _ = try state.activeAccount(actor)
            throw .notFound("folder")
        }
        let uploaders = Set(state.files.files(under: path, in: area).map(\.uploader))
        try state.requireChange(area, uploaders: uploaders.isEmpty ? [actor] : uploaders, actor)
        return Decision([PendingEvent(area.stream, .folderDeleted(.init(area: area, path: state.files.shownPath(area, path) ?? path)))])
    }
}

/// The default quota and the largest file (administrators).
public struct SetFileLimits: Command {
    public var defaultQuota: UInt64
    public var maxFileSize: UInt64

    public init(defaultQuota: UInt64, maxFileSize: UInt64) {
        self.defaultQuota = defaultQuota
        self.maxFileSize = maxFileSize
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        return Decision([PendingEvent(Streams.server, .fileLimitsChanged(.init(defaultQuota: defaultQuota, maxFileSize: maxFileSize)))])
    }
}

/// One user's quota (administrators); nil: the default again.
public struct SetUserQuota: Command {
    public var user: UserID
    public var bytes: UInt64?

    public init(user: UserID, bytes: UInt64?) {
        self.user = user
        self.bytes = bytes
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        try state.requireAdministrator(actor)
        guard state.accounts[user] != nil else { throw .notFound("user") }
        return Decision([PendingEvent(Streams.user(user), .userQuotaChanged(.init(bytes: bytes)))])
    }
}

/// Records the removal of orphaned blobs (the collector, as `system`).
public struct RecordBlobCollection: Command {
    public var blobs: [String]
    public var bytes: UInt64

    public init(blobs: [String], bytes: UInt64) {
        self.blobs = blobs
        self.bytes = bytes
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard actor == .system || state.isAdministrator(actor) else { throw .forbidden("missing_permission:administer") }
        // Only blobs no file names: one named again meanwhile is kept.
        let still = blobs.filter { state.files.references[$0] == nil }
        guard !still.isEmpty else { return Decision([]) }
        return Decision([PendingEvent(Streams.operations, .blobsCollected(.init(blobs: still, bytes: bytes)))])
    }
}
