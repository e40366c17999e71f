/// Rights groups (stream `groups`).

public struct GroupCreated: EventPayload {
    public static let tag: UInt16 = 10
    public var group: GroupID
    public var name: String
    public var permissions: Permissions

    public init(group: GroupID, name: String, permissions: Permissions) {
        self.group = group
        self.name = name
        self.permissions = permissions
    }
    public func encode(to w: inout BinaryWriter) { w.write(group); w.write(name); w.write(permissions) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        group = try r.read(); name = try r.read(); permissions = try r.read()
    }
}

public struct GroupChanged: EventPayload {
    public static let tag: UInt16 = 11
    public var group: GroupID
    public var name: String
    public var permissions: Permissions

    public init(group: GroupID, name: String, permissions: Permissions) {
        self.group = group
        self.name = name
        self.permissions = permissions
    }
    public func encode(to w: inout BinaryWriter) { w.write(group); w.write(name); w.write(permissions) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        group = try r.read(); name = try r.read(); permissions = try r.read()
    }
}

public struct GroupDeleted: EventPayload {
    public static let tag: UInt16 = 12
    public var group: GroupID

    public init(group: GroupID) { self.group = group }
    public func encode(to w: inout BinaryWriter) { w.write(group) }
    public init(from r: inout BinaryReader) throws(BinaryReader.Malformed) { group = try r.read() }
}
