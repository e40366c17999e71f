import Foundation

/// A message to a room or a direct conversation. The gateway loads the message replied to.
public struct PostMessage: Command {
    public var room: RoomID
    public var clientID: String
    public var text: String
    public var replyTo: MessageRef?

    public init(room: RoomID, clientID: String, text: String, replyTo: MessageRef? = nil) {
        self.room = room
        self.clientID = clientID
        self.text = text
        self.replyTo = replyTo
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        guard clientID.count <= Limits.clientID, RoomID.isWellFormed(clientID) else { throw .invalid("client_id") }
        let found = try state.roomOfMember(room, actor)
        // A retry (same room, same client id) is answered with the original; membership first, so
        // that an id seen elsewhere tells nothing about a room one is not in.
        if let done = state.timelines.recentClientIDs[actor]?[ClientIDWindow.key(room, clientID)] { return .done(at: done) }
        try state.require(found.visibility == .direct ? [.sendMessages, .directMessages] : [.sendMessages, .postToRooms],
                          actor)
        guard !found.archived else { throw .forbidden("archived") }
        if let until = found.muted[actor], until > now {
            throw Rejection(.forbidden, "muted", retryAfter: Int((until - now + 999_999) / 1_000_000))
        }
        if found.visibility == .direct {
            guard found.members.allSatisfy({ state.accounts[$0]?.disabled == false }) else { throw .forbidden("recipient_disabled") }
        }
        let clean = try checkedText(text, state: state, actor: actor)
        if let replyTo {
            guard replyTo.room == room else { throw .invalid("reply_to") }
        }
        let mentions = mentionedMembers(clean, found, state)
        return Decision([PendingEvent(Streams.room(room), .messagePosted(.init(
            clientID: clientID, text: clean, replyTo: replyTo?.message, mentions: mentions)))])
    }
}

/// A message as the gateway found it in the log, for replies, edits and deletions.
public struct MessageRef: Hashable, Sendable {
    public var message: MessageID
    public var room: RoomID
    public var author: UserID

    public init(message: MessageID, room: RoomID, author: UserID) {
        self.message = message
        self.room = room
        self.author = author
    }
}

/// A new text for one's own message.
public struct EditMessage: Command {
    public var original: MessageRef
    public var text: String

    public init(original: MessageRef, text: String) {
        self.original = original
        self.text = text
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let found = try state.roomOfMember(original.room, actor)
        try state.require(.sendMessages, actor)
        guard original.author == actor else { throw .forbidden("not_author") }
        guard !found.archived else { throw .forbidden("archived") }
        // Muted: no new words, edits included.
        if let until = found.muted[actor], until > now {
            throw Rejection(.forbidden, "muted", retryAfter: Int((until - now + 999_999) / 1_000_000))
        }
        if state.timelines[original.room]?.revisions[original.message]?.deleted == true { throw .notFound("message") }
        let clean = try checkedText(text, state: state, actor: actor)
        return Decision([PendingEvent(Streams.room(original.room), .messageEdited(.init(
            message: original.message, text: clean, mentions: mentionedMembers(clean, found, state))))])
    }
}

/// Withdrawing a message: its author, or an operator of the room.
public struct DeleteMessage: Command {
    public var original: MessageRef
    public init(original: MessageRef) { self.original = original }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        _ = try state.activeAccount(actor)
        guard let found = state.rooms[original.room] else { throw .notFound("message") }
        if original.author != actor {
            _ = try state.roomModeratedBy(original.room, actor)
        } else {
            guard found.members.contains(actor) else { throw .notFound("message") }
        }
        if state.timelines[original.room]?.revisions[original.message]?.deleted == true { return Decision([]) }
        return Decision([PendingEvent(Streams.room(original.room), .messageDeleted(.init(message: original.message)))])
    }
}

/// Trims, checks length and emoticon rights, and applies the word filter.
func checkedText(_ text: String, state: ChatState, actor: UserID) throws(Rejection) -> String {
    let trimmed = text.trimmedWhitespace
    guard !trimmed.isEmpty else { throw .invalid("empty_message") }
    // Counting characters walks grapheme clusters: count bytes first, which bound them.
    let maximum = state.server.settings.maxMessageLength
    guard trimmed.utf8.count <= maximum || trimmed.count <= maximum else { throw .tooLarge("message_too_long") }
    guard Names.text(trimmed, limit: .max, multiline: true) != nil else { throw .invalid("control_characters") }
    if !state.permissions(of: actor).contains(.useEmoticons) && MessageText.containsEmoticon(trimmed) {
        throw .forbidden("missing_permission:useEmoticons")
    }
    guard let filtered = MessageText.filter(trimmed, with: state.server.wordFilter) else {
        throw .forbidden("filtered_word")
    }
    return filtered
}

/// The members named with @ in the text.
func mentionedMembers(_ text: String, _ room: RoomsView.Room, _ state: ChatState) -> [UserID] {
    MessageText.mentionedNames(in: text).compactMap { name in
        state.accounts.user(named: name).map(\.id).flatMap { room.members.contains($0) ? $0 : nil }
    }
}

/// A direct message, creating the conversation on first use — in one decision, so that a message
/// refused (empty, too long, filtered, not allowed) leaves no empty conversation behind.
public struct SendDirect: Command {
    public var to: UserID
    public var clientID: String
    public var text: String
    public var replyTo: MessageRef?

    public init(to: UserID, clientID: String, text: String, replyTo: MessageRef? = nil) {
        self.to = to
        self.clientID = clientID
        self.text = text
        self.replyTo = replyTo
    }

    public func decide(by actor: UserID, in state: ChatState, now: Int64) throws(Rejection) -> Decision {
        let room = RoomID.direct(actor, to)
        let post = PostMessage(room: room, clientID: clientID, text: text, replyTo: replyTo)
        let open = try OpenDirect(with: to).decide(by: actor, in: state, now: now)
        guard !open.events.isEmpty else { return try post.decide(by: actor, in: state, now: now) }
        // The message decided against the state as it will be once the conversation exists.
        var after = state
        for (index, pending) in open.events.enumerated() {
            after.apply(StoredEvent(position: state.position + UInt64(index) + 1, timestamp: now, stream: pending.stream,
                                    actor: actor, event: pending.event))
        }
        let message = try post.decide(by: actor, in: after, now: now)
        return Decision(open.events + message.events, mustBeNew: open.mustBeNew, conflictReason: open.conflictReason)
    }
}
