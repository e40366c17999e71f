/// A payload of one event type. The tag is stable forever: never reuse or renumber one
/// (docs/events.md lists them).
public protocol EventPayload: BinaryCodable, Hashable {
    static var tag: UInt16 { get }
    /// The payload's schema version; bump it (and keep decoding the old one) when fields change.
    static var version: UInt16 { get }
    /// Reads a payload written at `version` (1 up to `Self.version`).
    init(from reader: inout BinaryReader, version: UInt16) throws(BinaryReader.Malformed)
}

extension EventPayload {
    public static var version: UInt16 { 1 }
    /// Payloads still at version 1 have one layout.
    public init(from reader: inout BinaryReader, version: UInt16) throws(BinaryReader.Malformed) {
        try self.init(from: &reader)
    }
}

/// Every event of the chat domain.
public enum DomainEvent: Hashable, Sendable {
    case serverInitialized(ServerInitialized)
    case settingsChanged(SettingsChanged)
    case floodLimitChanged(FloodLimitChanged)
    case wordFilterChanged(WordFilterChanged)
    case serverPasswordChanged(ServerPasswordChanged)
    case addressRulesChanged(AddressRulesChanged)
    case discoveryChanged(DiscoveryChanged)
    case broadcastSent(BroadcastSent)
    case groupCreated(GroupCreated)
    case groupChanged(GroupChanged)
    case groupDeleted(GroupDeleted)
    case userRegistered(UserRegistered)
    case usernameClaimed(UsernameClaimed)
    case passwordChanged(PasswordChanged)
    case profileChanged(ProfileChanged)
    case userDisabled(UserDisabled)
    case userEnabled(UserEnabled)
    case quickPhrasesChanged(QuickPhrasesChanged)
    case recoveryChanged(RecoveryChanged)
    case userGroupsChanged(UserGroupsChanged)
    case sessionStarted(SessionStarted)
    case sessionEnded(SessionEnded)
    case sessionRefreshed(SessionRefreshed)
    case loginFailed(LoginFailed)
    case connectionOpened(ConnectionOpened)
    case connectionClosed(ConnectionClosed)
    case readMarked(ReadMarked)
    case roomNameClaimed(RoomNameClaimed)
    case roomCreated(RoomCreated)
    case roomRenamed(RoomRenamed)
    case topicChanged(TopicChanged)
    case roomArchived(RoomArchived)
    case roomSettingsChanged(RoomSettingsChanged)
    case roomDeleted(RoomDeleted)
    case memberJoined(MemberJoined)
    case memberLeft(MemberLeft)
    case memberInvited(MemberInvited)
    case invitationDeclined(InvitationDeclined)
    case memberKicked(MemberKicked)
    case memberBanned(MemberBanned)
    case memberUnbanned(MemberUnbanned)
    case memberMuted(MemberMuted)
    case memberUnmuted(MemberUnmuted)
    case roleChanged(RoleChanged)
    case messagePosted(MessagePosted)
    case messageEdited(MessageEdited)
    case messageDeleted(MessageDeleted)
    case backupTaken(BackupTaken)
    case exportTaken(ExportTaken)
    case auditVerified(AuditVerified)
    case invitationIssued(InvitationIssued)
    case invitationRedeemed(InvitationRedeemed)
    case invitationRevoked(InvitationRevoked)
    case fileUploaded(FileUploaded)
    case folderShared(FolderShared)
    case fileRenamed(FileRenamed)
    case fileMoved(FileMoved)
    case fileDeleted(FileDeleted)
    case folderCreated(FolderCreated)
    case folderMoved(FolderMoved)
    case folderDeleted(FolderDeleted)
    case fileLimitsChanged(FileLimitsChanged)
    case userQuotaChanged(UserQuotaChanged)
    case blobsCollected(BlobsCollected)
    case boardCreated(BoardCreated)
    case boardChanged(BoardChanged)
    case boardArchived(BoardArchived)
    case boardMemberChanged(BoardMemberChanged)
    case boardLabelsChanged(BoardLabelsChanged)
    case stageAdded(StageAdded)
    case stageChanged(StageChanged)
    case stageDeleted(StageDeleted)
    case laneAdded(LaneAdded)
    case laneChanged(LaneChanged)
    case laneDeleted(LaneDeleted)
    case cardCreated(CardCreated)
    case cardChanged(CardChanged)
    case cardMoved(CardMoved)
    case cardArchived(CardArchived)
    case cardDeleted(CardDeleted)
    case cardCommented(CardCommented)
    case cardWatched(CardWatched)
    case cardDeadlineReminded(CardDeadlineReminded)
    case boardActivityAnnounced(BoardActivityAnnounced)
    case bulletinPosted(BulletinPosted)
    case voiceJoined(VoiceJoined)
    case voiceLeft(VoiceLeft)
    case voiceMuted(VoiceMuted)
    case callStarted(CallStarted)
    case callAnswered(CallAnswered)
    case callEnded(CallEnded)
    case bulletinEdited(BulletinEdited)
    case bulletinWithdrawn(BulletinWithdrawn)
    case bulletinAcknowledged(BulletinAcknowledged)
    case bulletinReminded(BulletinReminded)
    case broadcastAcknowledged(BroadcastAcknowledged)
    case broadcastReminded(BroadcastReminded)

    /// The payload inside, for encoding.
    public var payload: any EventPayload {
        switch self {
        case .serverInitialized(let p): p
        case .settingsChanged(let p): p
        case .floodLimitChanged(let p): p
        case .wordFilterChanged(let p): p
        case .serverPasswordChanged(let p): p
        case .addressRulesChanged(let p): p
        case .discoveryChanged(let p): p
        case .broadcastSent(let p): p
        case .groupCreated(let p): p
        case .groupChanged(let p): p
        case .groupDeleted(let p): p
        case .userRegistered(let p): p
        case .usernameClaimed(let p): p
        case .passwordChanged(let p): p
        case .profileChanged(let p): p
        case .userDisabled(let p): p
        case .userEnabled(let p): p
        case .quickPhrasesChanged(let p): p
        case .recoveryChanged(let p): p
        case .userGroupsChanged(let p): p
        case .sessionStarted(let p): p
        case .sessionEnded(let p): p
        case .sessionRefreshed(let p): p
        case .loginFailed(let p): p
        case .connectionOpened(let p): p
        case .connectionClosed(let p): p
        case .readMarked(let p): p
        case .roomNameClaimed(let p): p
        case .roomCreated(let p): p
        case .roomRenamed(let p): p
        case .topicChanged(let p): p
        case .roomArchived(let p): p
        case .roomSettingsChanged(let p): p
        case .roomDeleted(let p): p
        case .memberJoined(let p): p
        case .memberLeft(let p): p
        case .memberInvited(let p): p
        case .invitationDeclined(let p): p
        case .memberKicked(let p): p
        case .memberBanned(let p): p
        case .memberUnbanned(let p): p
        case .memberMuted(let p): p
        case .memberUnmuted(let p): p
        case .roleChanged(let p): p
        case .messagePosted(let p): p
        case .messageEdited(let p): p
        case .messageDeleted(let p): p
        case .backupTaken(let p): p
        case .exportTaken(let p): p
        case .auditVerified(let p): p
        case .invitationIssued(let p): p
        case .invitationRedeemed(let p): p
        case .invitationRevoked(let p): p
        case .fileUploaded(let p): p
        case .folderShared(let p): p
        case .fileRenamed(let p): p
        case .fileMoved(let p): p
        case .fileDeleted(let p): p
        case .folderCreated(let p): p
        case .folderMoved(let p): p
        case .folderDeleted(let p): p
        case .fileLimitsChanged(let p): p
        case .userQuotaChanged(let p): p
        case .blobsCollected(let p): p
        case .boardCreated(let p): p
        case .boardChanged(let p): p
        case .boardArchived(let p): p
        case .boardMemberChanged(let p): p
        case .boardLabelsChanged(let p): p
        case .stageAdded(let p): p
        case .stageChanged(let p): p
        case .stageDeleted(let p): p
        case .laneAdded(let p): p
        case .laneChanged(let p): p
        case .laneDeleted(let p): p
        case .cardCreated(let p): p
        case .cardChanged(let p): p
        case .cardMoved(let p): p
        case .cardArchived(let p): p
        case .cardDeleted(let p): p
        case .cardCommented(let p): p
        case .cardWatched(let p): p
        case .cardDeadlineReminded(let p): p
        case .boardActivityAnnounced(let p): p
        case .bulletinPosted(let p): p
        case .voiceJoined(let p): p
        case .voiceLeft(let p): p
        case .voiceMuted(let p): p
        case .callStarted(let p): p
        case .callAnswered(let p): p
        case .callEnded(let p): p
        case .bulletinEdited(let p): p
        case .bulletinWithdrawn(let p): p
        case .bulletinAcknowledged(let p): p
        case .bulletinReminded(let p): p
        case .broadcastAcknowledged(let p): p
        case .broadcastReminded(let p): p
        }
    }

    public var tag: UInt16 { type(of: payload).tag }
    public var version: UInt16 { type(of: payload).version }

    public func encodedPayload() -> [UInt8] {
        var writer = BinaryWriter()
        payload.encode(to: &writer)
        return writer.bytes
    }

    /// Why a stored event could not be decoded.
    public struct DecodingFailure: Error, Hashable, Sendable {
        public enum Kind: String, Sendable { case unknownType, unknownVersion, malformed }
        public var kind: Kind
        public var tag: UInt16
        public var version: UInt16
    }

    /// Decodes a stored payload by its type tag and schema version.
    public static func decode(tag: UInt16, version: UInt16, payload: [UInt8]) throws(DecodingFailure) -> DomainEvent {
        guard Int(tag) < decoderTable.count, let (latest, make) = decoderTable[Int(tag)] else {
            throw DecodingFailure(kind: .unknownType, tag: tag, version: version)
        }
        guard (1...latest).contains(version) else { throw DecodingFailure(kind: .unknownVersion, tag: tag, version: version) }
        var reader = BinaryReader(payload)
        do {
            return try make(&reader, version)
        } catch {
            throw DecodingFailure(kind: .malformed, tag: tag, version: version)
        }
    }

    /// Every tag this build knows (docs/events.md lists them all; a test checks).
    public static var knownTags: [UInt16] { decoders.keys.sorted() }

    private typealias Decoder = @Sendable (inout BinaryReader, UInt16) throws(BinaryReader.Malformed) -> DomainEvent

    private static func entry<P: EventPayload>(_ type: P.Type, _ wrap: @escaping @Sendable (P) -> DomainEvent)
        -> (UInt16, (UInt16, Decoder))
    {
        (P.tag, (P.version, { (reader: inout BinaryReader, version: UInt16) throws(BinaryReader.Malformed) in
            wrap(try P(from: &reader, version: version))
        }))
    }

    /// `decoders` indexed by tag (tags are small and dense): an array read per event, not a hash.
    private static let decoderTable: [(UInt16, Decoder)?] = {
        var table = [(UInt16, Decoder)?](repeating: nil, count: Int(decoders.keys.max() ?? 0) + 1)
        for (tag, entry) in decoders { table[Int(tag)] = entry }
        return table
    }()

    /// Tag → (latest version, decoder of every version up to it).
    private static let decoders: [UInt16: (UInt16, Decoder)] = Dictionary(uniqueKeysWithValues: [
        entry(ServerInitialized.self, DomainEvent.serverInitialized),
        entry(SettingsChanged.self, DomainEvent.settingsChanged),
        entry(FloodLimitChanged.self, DomainEvent.floodLimitChanged),
        entry(WordFilterChanged.self, DomainEvent.wordFilterChanged),
        entry(ServerPasswordChanged.self, DomainEvent.serverPasswordChanged),
        entry(AddressRulesChanged.self, DomainEvent.addressRulesChanged),
        entry(DiscoveryChanged.self, DomainEvent.discoveryChanged),
        entry(BroadcastSent.self, DomainEvent.broadcastSent),
        entry(GroupCreated.self, DomainEvent.groupCreated),
        entry(GroupChanged.self, DomainEvent.groupChanged),
        entry(GroupDeleted.self, DomainEvent.groupDeleted),
        entry(UserRegistered.self, DomainEvent.userRegistered),
        entry(UsernameClaimed.self, DomainEvent.usernameClaimed),
        entry(PasswordChanged.self, DomainEvent.passwordChanged),
        entry(ProfileChanged.self, DomainEvent.profileChanged),
        entry(UserDisabled.self, DomainEvent.userDisabled),
        entry(UserEnabled.self, DomainEvent.userEnabled),
        entry(QuickPhrasesChanged.self, DomainEvent.quickPhrasesChanged),
        entry(RecoveryChanged.self, DomainEvent.recoveryChanged),
        entry(UserGroupsChanged.self, DomainEvent.userGroupsChanged),
        entry(SessionStarted.self, DomainEvent.sessionStarted),
        entry(SessionEnded.self, DomainEvent.sessionEnded),
        entry(SessionRefreshed.self, DomainEvent.sessionRefreshed),
        entry(LoginFailed.self, DomainEvent.loginFailed),
        entry(ConnectionOpened.self, DomainEvent.connectionOpened),
        entry(ConnectionClosed.self, DomainEvent.connectionClosed),
        entry(ReadMarked.self, DomainEvent.readMarked),
        entry(RoomNameClaimed.self, DomainEvent.roomNameClaimed),
        entry(RoomCreated.self, DomainEvent.roomCreated),
        entry(RoomRenamed.self, DomainEvent.roomRenamed),
        entry(TopicChanged.self, DomainEvent.topicChanged),
        entry(RoomArchived.self, DomainEvent.roomArchived),
        entry(RoomSettingsChanged.self, DomainEvent.roomSettingsChanged),
        entry(RoomDeleted.self, DomainEvent.roomDeleted),
        entry(MemberJoined.self, DomainEvent.memberJoined),
        entry(MemberLeft.self, DomainEvent.memberLeft),
        entry(MemberInvited.self, DomainEvent.memberInvited),
        entry(InvitationDeclined.self, DomainEvent.invitationDeclined),
        entry(MemberKicked.self, DomainEvent.memberKicked),
        entry(MemberBanned.self, DomainEvent.memberBanned),
        entry(MemberUnbanned.self, DomainEvent.memberUnbanned),
        entry(MemberMuted.self, DomainEvent.memberMuted),
        entry(MemberUnmuted.self, DomainEvent.memberUnmuted),
        entry(RoleChanged.self, DomainEvent.roleChanged),
        entry(MessagePosted.self, DomainEvent.messagePosted),
        entry(MessageEdited.self, DomainEvent.messageEdited),
        entry(MessageDeleted.self, DomainEvent.messageDeleted),
        entry(BackupTaken.self, DomainEvent.backupTaken),
        entry(ExportTaken.self, DomainEvent.exportTaken),
        entry(AuditVerified.self, DomainEvent.auditVerified),
        entry(InvitationIssued.self, DomainEvent.invitationIssued),
        entry(InvitationRedeemed.self, DomainEvent.invitationRedeemed),
        entry(InvitationRevoked.self, DomainEvent.invitationRevoked),
        entry(FileUploaded.self, DomainEvent.fileUploaded),
        entry(FolderShared.self, DomainEvent.folderShared),
        entry(FileRenamed.self, DomainEvent.fileRenamed),
        entry(FileMoved.self, DomainEvent.fileMoved),
        entry(FileDeleted.self, DomainEvent.fileDeleted),
        entry(FolderCreated.self, DomainEvent.folderCreated),
        entry(FolderMoved.self, DomainEvent.folderMoved),
        entry(FolderDeleted.self, DomainEvent.folderDeleted),
        entry(FileLimitsChanged.self, DomainEvent.fileLimitsChanged),
        entry(UserQuotaChanged.self, DomainEvent.userQuotaChanged),
        entry(BlobsCollected.self, DomainEvent.blobsCollected),
        entry(BoardCreated.self, DomainEvent.boardCreated),
        entry(BoardChanged.self, DomainEvent.boardChanged),
        entry(BoardArchived.self, DomainEvent.boardArchived),
        entry(BoardMemberChanged.self, DomainEvent.boardMemberChanged),
        entry(BoardLabelsChanged.self, DomainEvent.boardLabelsChanged),
        entry(StageAdded.self, DomainEvent.stageAdded),
        entry(StageChanged.self, DomainEvent.stageChanged),
        entry(StageDeleted.self, DomainEvent.stageDeleted),
        entry(LaneAdded.self, DomainEvent.laneAdded),
        entry(LaneChanged.self, DomainEvent.laneChanged),
        entry(LaneDeleted.self, DomainEvent.laneDeleted),
        entry(CardCreated.self, DomainEvent.cardCreated),
        entry(CardChanged.self, DomainEvent.cardChanged),
        entry(CardMoved.self, DomainEvent.cardMoved),
        entry(CardArchived.self, DomainEvent.cardArchived),
        entry(CardDeleted.self, DomainEvent.cardDeleted),
        entry(CardCommented.self, DomainEvent.cardCommented),
        entry(CardWatched.self, DomainEvent.cardWatched),
        entry(CardDeadlineReminded.self, DomainEvent.cardDeadlineReminded),
        entry(BoardActivityAnnounced.self, DomainEvent.boardActivityAnnounced),
        entry(BulletinPosted.self, DomainEvent.bulletinPosted),
        entry(VoiceJoined.self, DomainEvent.voiceJoined),
        entry(VoiceLeft.self, DomainEvent.voiceLeft),
        entry(VoiceMuted.self, DomainEvent.voiceMuted),
        entry(CallStarted.self, DomainEvent.callStarted),
        entry(CallAnswered.self, DomainEvent.callAnswered),
        entry(CallEnded.self, DomainEvent.callEnded),
        entry(BulletinEdited.self, DomainEvent.bulletinEdited),
        entry(BulletinWithdrawn.self, DomainEvent.bulletinWithdrawn),
        entry(BulletinAcknowledged.self, DomainEvent.bulletinAcknowledged),
        entry(BulletinReminded.self, DomainEvent.bulletinReminded),
        entry(BroadcastAcknowledged.self, DomainEvent.broadcastAcknowledged),
        entry(BroadcastReminded.self, DomainEvent.broadcastReminded),
    ])
}

/// A domain event to append: where it goes and who causes it.
public struct PendingEvent: Hashable, Sendable {
    public var stream: String
    public var event: DomainEvent

    public init(_ stream: String, _ event: DomainEvent) {
        self.stream = stream
        self.event = event
    }
}

/// A domain event as the log recorded it.
public struct StoredEvent: Hashable, Sendable {
    public var position: UInt64
    /// Microseconds since the epoch.
    public var timestamp: Int64
    public let stream: String
    public var actor: UserID
    public var event: DomainEvent
    /// The room of a `room:` stream event (parsed once: every view asks).
    public let room: RoomID?
    /// The user of a `user:` stream event.
    public let user: UserID?

    public init(position: UInt64, timestamp: Int64, stream: String, actor: UserID, event: DomainEvent) {
        self.position = position
        self.timestamp = timestamp
        self.stream = stream
        self.actor = actor
        self.event = event
        (room, user) = Self.owner(of: stream)
    }

    /// The room of a `room:` stream or the user of a `user:` one, read from the bytes (String's
    /// `hasPrefix` compares by grapheme: twice per event, it was a tenth of a board's replay).
    private static func owner(of stream: String) -> (RoomID?, UserID?) {
        let utf8 = stream.utf8
        guard utf8.count > 5, utf8[utf8.index(utf8.startIndex, offsetBy: 4)] == UInt8(ascii: ":") else { return (nil, nil) }
        let rest = String(stream.utf8.dropFirst(5))!
        if utf8.starts(with: "room".utf8) { return (RoomID(rest), nil) }
        if utf8.starts(with: "user".utf8) { return (nil, UserID(rest)) }
        return (nil, nil)
    }
}
