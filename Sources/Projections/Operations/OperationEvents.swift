/// Operations on the log itself, recorded in it (stream `operations`): backups, exports and audits.

/// A backup was written.
public struct BackupTaken: EventPayload {
    public static let tag: UInt16 = 70
    /// `full` or `incremental`.
    public var kind: String
    /// The head the backup holds.
    public var headPosition: UInt64
    public var headHash: String
    /// SHA-256 of the backup file.
    public var sha256: String
    public var bytes: UInt64
    /// Who took it: a user id (HTTP API) or "cli:<operating-system user>".
    public var by: String

    public init(kind: String, headPosition: UInt64, headHash: String, sha256: String, bytes: UInt64, by: String) {
        self.kind = kind
        self.headPosition = headPosition
        self.headHash = headHash
        self.sha256 = sha256
        self.bytes = bytes
        self.by = by
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(kind); w.write(headPosition); w.write(headHash); w.write(sha256); w.write(bytes); w.write(by)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        kind = try r.read(); headPosition = try r.read(); headHash = try r.read(); sha256 = try r.read()
        bytes = try r.read(); by = try r.read()
    }
}

/// A compliance export was written.
public struct ExportTaken: EventPayload {
    public static let tag: UInt16 = 71
    public var format: String
    /// The range, as given (ISO 8601).
    public var from: String
    public var to: String
    public var rooms: [String]
    public var users: [String]
    public var count: UInt64
    public var headPosition: UInt64
    public var sha256: String
    public var by: String

    public init(format: String, from: String, to: String, rooms: [String], users: [String], count: UInt64,
                headPosition: UInt64, sha256: String, by: String) {
        self.format = format
        self.from = from
        self.to = to
        self.rooms = rooms
        self.users = users
        self.count = count
        self.headPosition = headPosition
        self.sha256 = sha256
        self.by = by
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(format); w.write(from); w.write(to); w.write(rooms); w.write(users); w.write(count)
        w.write(headPosition); w.write(sha256); w.write(by)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        format = try r.read(); from = try r.read(); to = try r.read(); rooms = try r.read(); users = try r.read()
        count = try r.read(); headPosition = try r.read(); sha256 = try r.read(); by = try r.read()
    }
}

/// The log's hash chain was checked (`causerie audit verify`, or the admin panel).
public struct AuditVerified: EventPayload {
    public static let tag: UInt16 = 72
    /// Records checked, from position 1.
    public var checked: UInt64
    public var intact: Bool
    /// The head checked up to.
    public var headPosition: UInt64
    public var headHash: String
    /// The first bad position, and what is wrong there (0 and "" when intact).
    public var problemPosition: UInt64
    public var problem: String
    /// Who asked: a user id, or "cli:<operating-system user>".
    public var by: String

    public init(checked: UInt64, intact: Bool, headPosition: UInt64, headHash: String, problemPosition: UInt64,
                problem: String, by: String) {
        self.checked = checked
        self.intact = intact
        self.headPosition = headPosition
        self.headHash = headHash
        self.problemPosition = problemPosition
        self.problem = problem
        self.by = by
    }
    public func encode(to w: inout BinaryWriter) {
        w.write(checked); w.write(intact); w.write(headPosition); w.write(headHash); w.write(problemPosition)
        w.write(problem); w.write(by)
    }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        checked = try r.read(); intact = try r.read(); headPosition = try r.read(); headHash = try r.read()
        problemPosition = try r.read(); problem = try r.read(); by = try r.read()
    }
}

/// Records a backup, an export or an audit: by an administrator (HTTP API), or by the server itself on
/// behalf of the command-line tools (which cannot write while the server runs; see Spool).
public struct RecordOperation: Command {
    public var event: DomainEvent

    public init(_ event: DomainEvent) { self.event = event }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        if actor != .system { try state.requireAdministrator(actor) }
        switch event {
        case .backupTaken, .exportTaken, .auditVerified: return Decision([PendingEvent(Streams.operations, event)])
        default: throw .invalid("operation")
        }
    }
}
