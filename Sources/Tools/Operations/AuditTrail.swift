public import EventStore
public import Foundation
import Projections

/// The administrative trail: logins, rights, moderation, deletions, settings, backups and exports.
public enum AuditTrail {
    public struct Entry: Codable, Sendable {
        public var position: UInt64
        public var time: String
        public var actor: String
        public var actorName: String
        public var kind: String
        public var details: [String: String]
    }

    public struct Query: Sendable {
        public var actor: String?
        public var kinds: Set<String>
        public var from: Date?
        public var to: Date?
        public var timeZone: TimeZone

        public init(actor: String? = nil, kinds: Set<String> = [], from: Date? = nil, to: Date? = nil, timeZone: TimeZone = .current) {
            self.actor = actor
            self.kinds = kinds
            self.from = from
            self.to = to
            self.timeZone = timeZone
        }
    }

    /// Every kind the trail knows.
    public static let kinds = [
        "login", "login.failed", "session.ended", "password.changed", "user.created", "user.disabled", "user.enabled",
        "user.groups", "group.created", "group.changed", "group.deleted", "settings.changed", "filters.flood",
        "filters.words", "filters.server_password", "filters.addresses", "member.kicked", "member.banned",
        "member.unbanned", "member.muted", "member.unmuted", "member.role", "message.deleted", "room.archived",
        "room.deleted", "room.settings", "broadcast", "backup", "export", "audit.verified", "invitation.issued",
        "invitation.redeemed", "invitation.revoked", "discovery.changed", "bulletin.posted", "bulletin.edited",
        "bulletin.withdrawn", "bulletin.acknowledged", "bulletin.reminded", "broadcast.acknowledged", "broadcast.reminded",
        "board.archived", "board.member",
    ]

    /// Calls `body` for each trail entry matching the query, in log order.
    public static func run(_ store: any EventLogReader, _ query: Query, _ body: (Entry) throws -> Void) throws {
        var clock = TimestampFormatter(timeZone: query.timeZone)
        let head = try store.currentHead().position
        let start = try query.from.map { try store.position(atOrAfter: Timestamp($0)) ?? head + 1 } ?? 1
        let end = try query.to.map { (try store.position(atOrAfter: Timestamp($0)) ?? head + 1) - 1 } ?? head
        var names = NameBook()
        // Names as they stood when the range begins, then the range itself.
        if start > 1 {
            try store.scan(from: 1, through: min(start - 1, end), types: NameBook.tags) { record in
                names.apply(try Exports.decode(record))
                return true
            }
        }
        guard start <= end else { return }
        try store.scan(from: start, through: end) { record in
            let stored = try Exports.decode(record)
            // Someone who registers is the actor of their own registration: known by name at once.
            if case .userRegistered = stored.event { names.apply(stored) }
            defer { names.apply(stored) }
            guard let (kind, details) = describe(stored, names) else { return true }
            if !query.kinds.isEmpty && !query.kinds.contains(kind) { return true }
            let actorName = stored.actor == .system ? "system" : names.userName(stored.actor)
            if let actor = query.actor, actor != stored.actor.rawValue, Names.key(actor) != Names.key(actorName) { return true }
            try body(Entry(
                position: stored.position, time: clock.string(microseconds: stored.timestamp),
                actor: stored.actor.rawValue, actorName: actorName, kind: kind, details: details))
            return true
        }
    }

    static func describe(_ stored: StoredEvent, _ names: NameBook) -> (String, [String: String])? {
        let user = stored.user.map(names.userName) ?? ""
        let room = stored.room.map(names.roomName) ?? ""
        switch stored.event {
        case .sessionStarted(let e) where e.kind == .app: return ("app_password.created", ["user": user, "address": e.address, "label": e.label])
        case .sessionStarted(let e): return ("login", ["user": user, "address": e.address, "kind": "\(e.kind)"])
        case .loginFailed(let e): return ("login.failed", ["user": user, "address": e.address])
        case .sessionEnded(let e): return ("session.ended", ["user": user, "reason": "\(e.reason)"])
        case .passwordChanged(let e): return ("password.changed", ["user": user, "reason": "\(e.reason)"])
        case .userRegistered(let e): return ("user.created", ["user": e.username, "origin": "\(e.origin)",
                                                              "groups": e.groups.map(\.rawValue).joined(separator: ",")])
        case .userDisabled: return ("user.disabled", ["user": user])
        case .userEnabled: return ("user.enabled", ["user": user])
        case .userGroupsChanged(let e): return ("user.groups", ["user": user, "groups": e.groups.map(\.rawValue).joined(separator: ",")])
        case .groupCreated(let e): return ("group.created", ["group": e.group.rawValue, "permissions": e.permissions.names.joined(separator: ",")])
        case .groupChanged(let e): return ("group.changed", ["group": e.group.rawValue, "permissions": e.permissions.names.joined(separator: ",")])
        case .groupDeleted(let e): return ("group.deleted", ["group": e.group.rawValue])
        case .settingsChanged(let e):
            return ("settings.changed", ["serverName": e.settings.serverName, "registrationOpen": "\(e.settings.registrationOpen)",
                                         "maxMessageLength": "\(e.settings.maxMessageLength)",
                                         "retentionDays": "\(e.settings.retentionDays)"])
        case .floodLimitChanged(let e): return ("filters.flood", ["burst": "\(e.limit.burst)", "perMinute": "\(e.limit.perMinute)"])
        case .wordFilterChanged(let e): return ("filters.words", ["words": "\(e.filter.words.count)", "mode": e.filter.mode.rawValue])
        case .serverPasswordChanged(let e): return ("filters.server_password", ["set": "\(e.passwordHash != nil)"])
        case .addressRulesChanged(let e):
            return ("filters.addresses", ["allow": e.allow.joined(separator: ","), "deny": e.deny.joined(separator: ",")])
        case .memberKicked(let e): return ("member.kicked", ["room": room, "user": names.userName(e.user), "reason": e.reason])
        case .memberBanned(let e): return ("member.banned", ["room": room, "user": names.userName(e.user), "reason": e.reason])
        case .memberUnbanned(let e): return ("member.unbanned", ["room": room, "user": names.userName(e.user)])
        case .memberMuted(let e): return ("member.muted", ["room": room, "user": names.userName(e.user), "until": "\(e.until)"])
        case .memberUnmuted(let e): return ("member.unmuted", ["room": room, "user": names.userName(e.user)])
        case .roleChanged(let e): return ("member.role", ["room": room, "user": names.userName(e.user), "role": "\(e.role)"])
        case .messageDeleted(let e): return ("message.deleted", ["room": room, "message": "\(e.message)"])
        case .roomArchived(let e): return ("room.archived", ["room": room, "archived": "\(e.archived)"])
        case .discoveryChanged(let e):
            return ("discovery.changed", ["broadcast": "\(e.broadcast)", "multicastDNS": "\(e.multicastDNS)"])
        case .roomDeleted(let e): return ("room.deleted", ["room": room, "reason": e.reason])
        case .roomSettingsChanged(let e):
            return ("room.settings", ["room": room, "visibility": "\(e.visibility)", "nonLeavable": "\(e.nonLeavable)",
                                      "autoJoin": "\(e.autoJoin)", "password": "\(e.passwordHash != nil)"])
        case .broadcastSent(let e): return ("broadcast", ["recipients": e.recipients.isEmpty ? "everyone" : "\(e.recipients.count)"])
        case .backupTaken(let e):
            return ("backup", ["kind": e.kind, "head": "\(e.headPosition)", "sha256": e.sha256, "bytes": "\(e.bytes)", "by": e.by])
        case .exportTaken(let e):
            return ("export", ["format": e.format, "from": e.from, "to": e.to, "count": "\(e.count)", "sha256": e.sha256, "by": e.by])
        case .auditVerified(let e):
            return ("audit.verified", ["intact": "\(e.intact)", "checked": "\(e.checked)", "head": "\(e.headPosition)",
                                       "problem": e.problem, "problemPosition": "\(e.problemPosition)", "by": e.by])
        case .invitationIssued(let e):
            return ("invitation.issued", ["invitation": e.invitation, "user": e.username,
                                          "groups": e.groups.map(\.rawValue).joined(separator: ",")])
        case .invitationRedeemed(let e): return ("invitation.redeemed", ["invitation": e.invitation, "user": names.userName(e.user)])
        case .invitationRevoked(let e): return ("invitation.revoked", ["invitation": e.invitation])
        case .broadcastSent(let e) where e.mustRead:
            return ("broadcast", ["recipients": e.recipients.isEmpty ? "everyone" : "\(e.recipients.count)", "mustRead": "true"])
        case .bulletinPosted(let e):
            return ("bulletin.posted", ["bulletin": e.bulletin.rawValue, "title": e.title, "mustRead": "\(e.mustRead)",
                                        "recipients": e.audience.everyone ? "everyone" : "\(e.audience.recipients.count)"])
        case .bulletinEdited(let e): return ("bulletin.edited", ["bulletin": e.bulletin.rawValue, "title": e.title])
        case .bulletinWithdrawn(let e): return ("bulletin.withdrawn", ["bulletin": e.bulletin.rawValue, "title": names.noticeTitle(e.bulletin)])
        case .bulletinAcknowledged(let e):
            return ("bulletin.acknowledged", ["bulletin": e.bulletin.rawValue, "title": names.noticeTitle(e.bulletin)])
        case .bulletinReminded(let e):
            return ("bulletin.reminded", ["bulletin": e.bulletin.rawValue, "title": names.noticeTitle(e.bulletin),
                                          "users": e.users.map(names.userName).joined(separator: ",")])
        case .broadcastAcknowledged(let e): return ("broadcast.acknowledged", ["message": "\(e.broadcast)"])
        case .broadcastReminded(let e):
            return ("broadcast.reminded", ["message": "\(e.broadcast)", "users": e.users.map(names.userName).joined(separator: ",")])
        case .boardArchived(let e): return ("board.archived", ["board": names.boardTitle(e.board), "archived": "\(e.archived)"])
        case .boardMemberChanged(let e):
            return ("board.member", ["board": names.boardTitle(e.board), "user": names.userName(e.user), "role": e.role?.name ?? "removed"])
        default: return nil
        }
    }
}
