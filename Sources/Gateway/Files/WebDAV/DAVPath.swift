import Foundation
import Projections

/// A WebDAV URL as the file domain sees it. `/dav/` lists the caller's areas: `Personal/`,
/// `Public/`, and one folder per conversation (a room's name, or "@username" for a direct
/// conversation); below that, folders and files of the area by their path.
///
/// Segments are percent-decoded one by one, strictly: invalid UTF-8, an encoded `/` or `\`
/// inside a segment, NUL, and `.` or `..` are refused before anything is looked up, so that
/// `%2e%2e/` or `..%5c` never climbs (the domain's FileNames rules then apply to every name).
struct DAVPath: Equatable, Sendable {
    /// The area's folder name at the top ("Personal", a room's name…), nil for `/dav/` itself.
    var top: String?
    /// Names below the area's folder.
    var names: [String]

    static let prefix = "/dav"

    enum Failure: Error, Equatable { case invalid, outside }

    /// Parses the raw (still percent-encoded) path of a request or a `Destination` header.
    static func parse(_ raw: String) throws(Failure) -> DAVPath {
        var path = Substring(raw)
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        guard path == Substring(prefix) || path.hasPrefix(prefix + "/") else { throw .outside }
        var segments: [String] = []
        for encoded in path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: true) {
            guard encoded.utf8.count <= 3 * 255, let decoded = String(encoded).removingPercentEncoding,
                  !decoded.isEmpty, decoded != ".", decoded != "..",
                  !decoded.contains("/"), !decoded.contains("\\"), !decoded.unicodeScalars.contains("\0")
            else { throw .invalid }
            segments.append(decoded.precomposedStringWithCanonicalMapping)
        }
        guard segments.count <= 66 else { throw .invalid }
        return DAVPath(top: segments.first, names: Array(segments.dropFirst()))
    }

    /// A `Destination` header: an absolute URL (its path is taken) or an absolute path.
    static func destination(_ header: String) throws(Failure) -> DAVPath {
        if header.hasPrefix("/") { return try parse(header) }
        guard let url = URLComponents(string: header), let path = url.percentEncodedPath as String?, !path.isEmpty else {
            throw .invalid
        }
        return try parse(path)
    }

    var isRoot: Bool { top == nil }
    var isAreaRoot: Bool { top != nil && names.isEmpty }
    /// The path inside the area ("" for its root).
    var inner: String { names.joined(separator: "/") }
    var parentInner: String { names.dropLast().joined(separator: "/") }
    var last: String? { names.last }

    /// The href of this path (each segment percent-encoded), with a slash for a collection.
    func href(collection: Bool) -> String {
        let parts = ([top].compactMap { $0 } + names).map(Self.encode)
        return Self.prefix + "/" + parts.joined(separator: "/") + (collection && !parts.isEmpty ? "/" : "")
    }

    func appending(_ name: String) -> DAVPath {
        top == nil ? DAVPath(top: name, names: []) : DAVPath(top: top, names: names + [name])
    }

    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? segment
    }

    private static let segmentCharacters: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#[]@!$&'()*+,=%")
        return allowed
    }()

    /// Finder's resource forks and folder settings, Windows' thumbnails: answered, never stored.
    static func isClientClutter(_ name: String) -> Bool {
        name.hasPrefix("._") || name == ".DS_Store" || name == "Thumbs.db" || name.lowercased() == "desktop.ini"
    }
}

/// The areas one user sees at the top of `/dav/`, by folder name.
struct DAVAreas: Sendable {
    var byName: [String: FileArea] = [:]
    var names: [String] = []

    static let personal = "Personal"
    static let `public` = "Public"

    init(for user: UserID, in state: ChatState) {
        add(Self.personal, .personal(user))
        add(Self.public, .public)
        let rooms = (state.rooms.roomsOf[user] ?? []).compactMap { state.rooms[$0] }.filter { !$0.deleted }
        for room in rooms.sorted(by: { $0.id < $1.id }) {
            var name: String
            if room.visibility == .direct {
                let other = room.members.first { $0 != user } ?? user
                name = "@" + (state.accounts[other]?.username ?? other.rawValue)
            } else {
                name = room.name
            }
            // A room named like a file name could not be: its id instead; a clash gets " (2)".
            if case .failure = FileNames.name(name) { name = room.id.rawValue }
            let taken = Set(names.map(FileNames.key))
            add(FileNames.free(name) { taken.contains(FileNames.key($0)) }, .room(room.id))
        }
    }

    private mutating func add(_ name: String, _ area: FileArea) {
        byName[FileNames.key(name)] = area
        names.append(name)
    }

    func area(named name: String) -> FileArea? { byName[FileNames.key(name)] }

    func name(of area: FileArea) -> String? { names.first { byName[FileNames.key($0)] == area } }
}
