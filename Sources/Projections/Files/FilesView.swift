/// Every file and folder that exists now, where it is, and what each user's files weigh.
///
/// Lookups are by collision key (`FileNames.key`): a folder holds at most one entry, file or
/// folder, per key. Usage is charged to whoever uploaded a file, wherever it lives.
public struct FilesView: Hashable, Sendable {
    public struct File: Hashable, Sendable {
        public var id: FileID
        public var area: FileArea
        /// The folder's path as shown ("" the area's root).
        public var folder: String
        public var name: String
        public var blob: BlobRef
        public var uploader: UserID
        /// Microseconds since the epoch.
        public var uploadedAt: Int64
        /// The position of the event that stored this content.
        public var position: UInt64

        public var path: String { folder.isEmpty ? name : "\(folder)/\(name)" }
    }

    /// A folder of an area, by its path's key.
    public struct Location: Hashable, Sendable {
        public var area: FileArea
        public var key: String
        public init(_ area: FileArea, _ path: String) {
            self.area = area
            key = FileNames.key(path)
        }
    }

    public static let defaultQuotaBytes: UInt64 = 10 << 30

    public private(set) var byID: [FileID: File] = [:]
    /// Each folder's files, by name key.
    public private(set) var files: [Location: [String: FileID]] = [:]
    /// Each folder's sub-folders: name key → name as shown.
    public private(set) var subfolders: [Location: [String: String]] = [:]
    /// Bytes stored by each user.
    public private(set) var usage: [UserID: UInt64] = [:]
    /// How many files name each blob; a blob at zero is an orphan.
    public private(set) var references: [String: Int] = [:]
    /// Blobs no file names any longer, and since when (µs): collected after a grace period.
    public private(set) var orphans: [String: Int64] = [:]
    public private(set) var defaultQuota = FilesView.defaultQuotaBytes
    /// The largest single file; 0: none below the quota.
    public private(set) var maxFileSize: UInt64 = 0
    public private(set) var quotas: [UserID: UInt64] = [:]

    public init() {}

    public subscript(id: FileID) -> File? { byID[id] }

    public func quota(of user: UserID) -> UInt64 { quotas[user] ?? defaultQuota }
    public func used(by user: UserID) -> UInt64 { usage[user] ?? 0 }

    /// Whether the folder exists ("" always does).
    public func folderExists(_ area: FileArea, _ path: String) -> Bool {
        guard let (parent, name) = Self.parentAndName(path) else { return true }
        return subfolders[Location(area, parent)]?[FileNames.key(name)] != nil
    }

    /// The folder's path as first created (its case), if it exists.
    public func shownPath(_ area: FileArea, _ path: String) -> String? {
        guard let (parent, name) = Self.parentAndName(path) else { return "" }
        guard let shownParent = shownPath(area, parent), let shown = subfolders[Location(area, parent)]?[FileNames.key(name)]
        else { return nil }
        return shownParent.isEmpty ? shown : "\(shownParent)/\(shown)"
    }

    /// Whether a file or a folder in `folder` already has this name key.
    public func isTaken(_ area: FileArea, _ folder: String, key: String) -> Bool {
        let location = Location(area, folder)
        return files[location]?[key] != nil || subfolders[location]?[key] != nil
    }

    public func file(_ area: FileArea, _ folder: String, named name: String) -> File? {
        files[Location(area, folder)]?[FileNames.key(name)].flatMap { byID[$0] }
    }

    /// A folder's contents: sub-folder names and files, sorted by name.
    public func list(_ area: FileArea, _ folder: String) -> (folders: [String], files: [File]) {
        let location = Location(area, folder)
        let folders = (subfolders[location] ?? [:]).values.sorted { $0.fileListOrder < $1.fileListOrder }
        let found = (files[location] ?? [:]).values.compactMap { byID[$0] }.sorted { $0.name.fileListOrder < $1.name.fileListOrder }
        return (folders, found)
    }

    /// Every file of an area under `folder`, at any depth.
    public func files(under folder: String, in area: FileArea) -> [File] {
        let key = FileNames.key(folder)
        return byID.values.filter { file in
            guard file.area == area else { return false }
            let folderKey = FileNames.key(file.folder)
            return key.isEmpty || folderKey == key || folderKey.hasPrefix(key + "/")
        }
    }

    /// Every file of an area, newest first (a room's "Files" panel).
    public func files(in area: FileArea) -> [File] {
        byID.values.filter { $0.area == area }.sorted { $0.position > $1.position }
    }

    /// "a/b/c" → ("a/b", "c"); "" → nil.
    static func parentAndName(_ path: String) -> (String, String)? {
        guard !path.isEmpty else { return nil }
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    // MARK: folding

    mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .fileUploaded(let e):
            if let old = e.replaces { remove(old, at: event.timestamp) }
            ensureFolder(e.area, e.folder)
            insert(File(id: e.file, area: e.area, folder: shownPath(e.area, e.folder) ?? e.folder, name: e.name, blob: e.blob,
                        uploader: event.actor, uploadedAt: event.timestamp, position: event.position))
        case .folderShared(let e):
            ensureFolder(e.area, e.path)
            let base = shownPath(e.area, e.path) ?? e.path
            for path in e.emptyFolders { ensureFolder(e.area, "\(base)/\(path)") }
            for entry in e.entries {
                let (inner, name) = Self.parentAndName(entry.path) ?? ("", entry.path)
                let folder = inner.isEmpty ? base : "\(base)/\(inner)"
                ensureFolder(e.area, folder)
                insert(File(id: entry.file, area: e.area, folder: shownPath(e.area, folder) ?? folder, name: name, blob: entry.blob,
                            uploader: event.actor, uploadedAt: event.timestamp, position: event.position))
            }
        case .fileRenamed(let e):
            guard var file = byID[e.file] else { return }
            unlink(file)
            file.name = e.name
            byID[file.id] = file
            link(file)
        case .fileMoved(let e):
            guard var file = byID[e.file] else { return }
            unlink(file)
            ensureFolder(e.area, e.folder)
            file.area = e.area
            file.folder = shownPath(e.area, e.folder) ?? e.folder
            file.name = e.name
            byID[file.id] = file
            link(file)
        case .fileDeleted(let e):
            remove(e.file, at: event.timestamp)
        case .folderCreated(let e):
            ensureFolder(e.area, e.path)
        case .folderMoved(let e):
            moveFolder(e.area, from: e.from, to: e.to)
        case .folderDeleted(let e):
            deleteFolder(e.area, e.path, at: event.timestamp)
        case .roomDeleted:
            guard let room = event.room else { return }
            deleteFolder(.room(room), "", at: event.timestamp)
        case .fileLimitsChanged(let e):
            defaultQuota = e.defaultQuota
            maxFileSize = e.maxFileSize
        case .userQuotaChanged(let e):
            guard let user = event.user else { return }
            quotas[user] = e.bytes
        case .blobsCollected(let e):
            for blob in e.blobs where references[blob] == nil { orphans[blob] = nil }
        default:
            break
        }
    }

    private mutating func insert(_ file: File) {
        if byID[file.id] != nil { return }
        byID[file.id] = file
        link(file)
        usage[file.uploader, default: 0] += file.blob.size
        references[file.blob.sha256, default: 0] += 1
        orphans[file.blob.sha256] = nil
    }

    private mutating func remove(_ id: FileID, at time: Int64) {
        guard let file = byID.removeValue(forKey: id) else { return }
        unlink(file)
        usage[file.uploader] = (usage[file.uploader] ?? 0) - min(usage[file.uploader] ?? 0, file.blob.size)
        let left = (references[file.blob.sha256] ?? 1) - 1
        if left <= 0 {
            references[file.blob.sha256] = nil
            orphans[file.blob.sha256] = time
        } else {
            references[file.blob.sha256] = left
        }
    }

    private mutating func link(_ file: File) {
        files[Location(file.area, file.folder), default: [:]][FileNames.key(file.name)] = file.id
    }

    private mutating func unlink(_ file: File) {
        let location = Location(file.area, file.folder)
        files[location]?[FileNames.key(file.name)] = nil
        if files[location]?.isEmpty == true { files[location] = nil }
    }

    /// Makes the folder and its ancestors exist.
    private mutating func ensureFolder(_ area: FileArea, _ path: String) {
        guard let (parent, name) = Self.parentAndName(path) else { return }
        ensureFolder(area, parent)
        let location = Location(area, parent)
        if subfolders[location]?[FileNames.key(name)] == nil { subfolders[location, default: [:]][FileNames.key(name)] = name }
    }

    private func isInside(_ folderKey: String, _ key: String) -> Bool {
        key.isEmpty || folderKey == key || folderKey.hasPrefix(key + "/")
    }

    private mutating func deleteFolder(_ area: FileArea, _ path: String, at time: Int64) {
        let key = FileNames.key(path)
        for file in files(under: path, in: area) { remove(file.id, at: time) }
        subfolders = subfolders.filter { !($0.key.area == area && isInside($0.key.key, key)) }
        if let (parent, name) = Self.parentAndName(path) { subfolders[Location(area, parent)]?[FileNames.key(name)] = nil }
    }

    private mutating func moveFolder(_ area: FileArea, from: String, to: String) {
        guard !to.isEmpty, let (oldParent, oldName) = Self.parentAndName(from) else { return }
        let fromKey = FileNames.key(from)
        let moving = files(under: from, in: area)
        let shownFrom = shownPath(area, from) ?? from
        // Sub-folders below `from`, re-keyed under `to`.
        var moved: [(Location, [String: String])] = []
        for (location, children) in subfolders where location.area == area && (location.key == fromKey || location.key.hasPrefix(fromKey + "/")) {
            moved.append((location, children))
            subfolders[location] = nil
        }
        subfolders[Location(area, oldParent)]?[FileNames.key(oldName)] = nil
        ensureFolder(area, to)
        let shownTo = shownPath(area, to) ?? to
        for (location, children) in moved {
            let suffix = String(location.key.dropFirst(fromKey.count))
            subfolders[Location(area, FileNames.key(to) + suffix), default: [:]].merge(children) { old, _ in old }
        }
        for var file in moving {
            unlink(file)
            file.folder = shownTo + String(file.folder.dropFirst(shownFrom.count))
            byID[file.id] = file
            link(file)
        }
    }
}

extension String {
    /// Sort key for listings: case-insensitive (locale-independent, so every door lists alike).
    var fileListOrder: String { lowercased() }
}
