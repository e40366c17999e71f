/// Messages (stream `room:<id>`; the author is the event's actor).

public struct MessagePosted: EventPayload {
    public static let tag: UInt16 = 60
    /// The id the client chose; a retried send with the same id is not posted twice.
    public var clientID: String
    public var text: String
    /// The message this one answers (its position).
    public var replyTo: MessageID?
    /// Users named with @, who get a mention count.
    public var mentions: [UserID]

    public init(clientID: String, text: String, replyTo: MessageID?, mentions: [UserID]) {
        self.clientID = clientID
        self.text = text
        self.replyTo = replyTo
        self.mentions = mentions
    }
    public func encode(to w: inout BinaryWriter) { w.write(clientID); w.write(text); w.write(replyTo); w.write(mentions) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        clientID = try r.read(); text = try r.read(); replyTo = try r.read(); mentions = try r.read()
    }
}

/// A new text for a message; the original stays in the log (compliance keeps both).
public struct MessageEdited: EventPayload {
    public static let tag: UInt16 = 61
    public var message: MessageID
    public var text: String
    public var mentions: [UserID]

    public init(message: MessageID, text: String, mentions: [UserID]) {
        self.message = message
        self.text = text
        self.mentions = mentions
    }
    public func encode(to w: inout BinaryWriter) { w.write(message); w.write(text); w.write(mentions) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        message = try r.read(); text = try r.read(); mentions = try r.read()
    }
}

/// A message withdrawn from view by its author or an operator; the log keeps the original.
public struct MessageDeleted: EventPayload {
    public static let tag: UInt16 = 62
    public var message: MessageID

    public init(message: MessageID) { self.message = message }
    public func encode(to w: inout BinaryWriter) { w.write(message) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { message = try r.read() }
}
