/// Rights groups and what they allow.
public struct GroupsView: Hashable, Sendable {
    public struct Group: Hashable, Sendable {
        public var id: GroupID
        public var name: String
        public var permissions: Permissions
    }

    public var byID: [GroupID: Group] = [:]

    public init() {}

    public mutating func apply(_ event: StoredEvent) {
        switch event.event {
        case .groupCreated(let e): byID[e.group] = Group(id: e.group, name: e.name, permissions: e.permissions)
        case .groupChanged(let e): byID[e.group] = Group(id: e.group, name: e.name, permissions: e.permissions)
        case .groupDeleted(let e): byID.removeValue(forKey: e.group)
        default: break
        }
    }

    /// The union of the groups' permissions.
    public func permissions(of groups: [GroupID]) -> Permissions {
        groups.reduce(into: Permissions()) { result, id in
            if let group = byID[id] { result.formUnion(group.permissions) }
        }
    }
}
