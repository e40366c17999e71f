import Projections

/// Who may see an event. Computed from the state just after the event is applied; the same rule
/// serves live delivery (members now) and catch-up after a reconnect (members at that position).
enum Audience: Sendable {
    case nobody
    case everyone
    case user(UserID)
    case users([UserID])
    case administrators(also: UserID?)
    /// The room's members at the event's position, and these users besides (the one kicked…).
    case room(RoomID, also: UserID?)
    /// Those who were members at the event's position though none are now (a room deleted).
    case formerMembers(RoomID)
    /// Whoever may read the board now (its members, administrators), and these users besides
    /// (the member removed).
    case board(BoardID, also: UserID?)
    /// Whoever may read the notice now (its recipients, its author, administrators).
    case notice(BulletinID)
    /// These users and every administrator (acknowledgements, reminders).
    case usersAndAdministrators([UserID])

    static func of(_ stored: StoredEvent) -> Audience {
        switch stored.event {
        case .settingsChanged, .userRegistered, .profileChanged, .userDisabled, .userEnabled: return .everyone
        case .broadcastSent(let e): return e.recipients.isEmpty ? .everyone : .users(e.recipients)
        case .bulletinPosted(let e): return .notice(e.bulletin)
        case .bulletinEdited(let e): return .notice(e.bulletin)
        case .bulletinWithdrawn(let e): return .notice(e.bulletin)
        case .bulletinAcknowledged, .broadcastAcknowledged: return .usersAndAdministrators([stored.actor])
        case .bulletinReminded(let e): return .usersAndAdministrators(e.users + [stored.actor])
        case .broadcastReminded(let e): return .usersAndAdministrators(e.users)
        case .groupCreated, .groupChanged, .groupDeleted, .backupTaken, .exportTaken: return .administrators(also: nil)
        case .userGroupsChanged: return .administrators(also: stored.user)
        case .quickPhrasesChanged, .readMarked, .passwordChanged:
            return stored.user.map { .user($0) } ?? .nobody
        case .roomCreated(let e): return .room(e.room, also: nil)
        case .roomDeleted: return stored.room.map { .formerMembers($0) } ?? .nobody
        case .roomRenamed, .topicChanged, .roomArchived, .roomSettingsChanged, .memberJoined, .roleChanged, .memberMuted,
             .memberUnmuted, .messagePosted, .messageEdited, .messageDeleted, .boardActivityAnnounced:
            return stored.room.map { .room($0, also: nil) } ?? .nobody
        case .memberLeft(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        case .voiceJoined, .callStarted, .callAnswered, .callEnded: return stored.room.map { .room($0, also: nil) } ?? .nobody
        case .voiceLeft(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        case .voiceMuted(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        case .memberInvited(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        // The room sees the answer to its invitation, as in its history.
        case .invitationDeclined(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        case .memberKicked(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        case .memberBanned(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        case .memberUnbanned(let e): return stored.room.map { .room($0, also: e.user) } ?? .nobody
        case .fileUploaded, .folderShared, .fileRenamed, .fileMoved, .fileDeleted, .folderCreated, .folderMoved, .folderDeleted:
            return ofFileStream(stored)
        case .fileLimitsChanged, .blobsCollected: return .administrators(also: nil)
        case .userQuotaChanged: return .administrators(also: stored.user)
        case .boardMemberChanged(let e): return .board(e.board, also: e.role == nil ? e.user : nil)
        case .boardCreated(let e): return .board(e.board, also: nil)
        case .boardChanged, .boardArchived, .boardLabelsChanged, .stageAdded, .stageChanged, .stageDeleted, .laneAdded, .laneChanged,
             .laneDeleted, .cardCreated, .cardChanged, .cardMoved, .cardArchived, .cardDeleted, .cardCommented, .cardWatched,
             .cardDeadlineReminded:
            return BoardEvents.board(of: stored.event).map { .board($0, also: nil) } ?? .nobody
        default: return .nobody
        }
    }

    /// A file event's audience is its area's: a room's members, a personal area's owner, everyone
    /// for the public area (the stream says which: FileArea.stream).
    private static func ofFileStream(_ stored: StoredEvent) -> Audience {
        if let room = stored.room { return .room(room, also: nil) }
        if stored.stream == FileArea.public.stream { return .everyone }
        if stored.stream.hasPrefix("board:") { return .board(BoardID(String(stored.stream.dropFirst(6))), also: nil) }
        let prefix = "files:user:"
        if stored.stream.hasPrefix(prefix) { return .user(UserID(String(stored.stream.dropFirst(prefix.count)))) }
        return .nobody
    }

    /// Whether `user` was entitled to the event at its position (catch-up after a reconnect).
    func includes(_ user: UserID, at position: UInt64, in state: ChatState) -> Bool {
        switch self {
        case .nobody: false
        case .everyone: true
        case .user(let one): one == user
        case .users(let list): list.contains(user)
        case .administrators(let also): also == user || state.isAdministrator(user)
        case .room(let room, let also): also == user || (state.rooms[room]?.wasMember(user, at: position) ?? false)
        case .formerMembers(let room): state.rooms[room]?.wasMember(user, at: position) ?? false
        case .board(let board, let also): also == user || state.mayRead(board, user)
        case .notice(let id): (try? state.readableNotice(id, user)) != nil
        case .usersAndAdministrators(let users): users.contains(user) || state.isAdministrator(user)
        }
    }
}
