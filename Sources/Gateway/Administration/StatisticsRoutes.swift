import Foundation
import Hummingbird
import Projections
import Wire

/// The statistics dashboard (ADR 013): figures now (`admin/statistics`) and over time
/// (`admin/statistics/history`), both read from the views, never from a second database.
struct StatisticsRoutes {
    let kit: HTTPKit
    var core: ChatCore { kit.core }

    struct Statistics: Encodable {
        var usersOnline: Int
        var connections: Int
        var accounts: Int
        var rooms: Int
        var position: UInt64
        var server: StatisticsView.Totals
        var perUser: [String: StatisticsView.Totals]
    }

    /// How far back a history goes, and its buckets.
    enum Range: String, CaseIterable {
        case day, week, month, year
        var buckets: Int { switch self { case .day: 24; case .week: 7 * 24; case .month: 30; case .year: 365 } }
        var hourly: Bool { self == .day || self == .week }
    }

    struct Point: Encodable {
        /// The bucket's start, ms since the epoch.
        var time: Int64
        var usersOnline: Int
        var connectionsOnline: Int
        var connections: Int
        var logins: Int
        var messages: Int
        var bytesIn: UInt64
        var bytesOut: UInt64
        /// Daily buckets only: distinct people who connected that (UTC) day.
        var activeUsers: Int?
    }

    struct RoomCount: Encodable {
        var room: String
        var name: String
        var visibility: String
        var messages: Int
    }

    /// One room's messages on each of the range's days (`History.days`).
    struct RoomDays: Encodable {
        var room: String
        var name: String
        var visibility: String
        var messages: [Int]
    }

    struct History: Encodable {
        var range: String
        var bucket: String
        var points: [Point]
        /// The rooms with the most messages over the range, most first (at most 10).
        var busiestRooms: [RoomCount]
        /// The (UTC) days the range touches, ms since the epoch, oldest first.
        var days: [Int64]
        /// Messages per day in every room that had any over the range, busiest first.
        var roomsByDay: [RoomDays]
    }

    func add(to api: RouterGroup<CauserieContext>) {
        api.get("admin/statistics") { request, _ in
            _ = try kit.administrator(request)
            let online = core.registry.connectedUsers().count
            let connections = core.registry.connectionCount
            return kit.json(core.withState { state in
                Statistics(usersOnline: online, connections: connections, accounts: state.accounts.byID.count,
                           rooms: state.rooms.byID.count, position: state.position, server: state.statistics.server,
                           perUser: Dictionary(uniqueKeysWithValues: state.statistics.perUser.map { ($0.key.rawValue, $0.value) }))
            })
        }
        api.get("admin/statistics/history") { request, _ in
            _ = try kit.administrator(request)
            let query = try kit.query(request, allowing: ["range"])
            let name: String?
            do throws(Rejection) { name = try query.string("range") } catch { throw APIError(error) }
            guard let range = Range(rawValue: name ?? "week") else { throw APIError.invalid("parameter:range") }
            let now = kit.now
            return kit.json(core.withState { state in Self.history(state.activity, rooms: state.rooms, range: range, now: now) })
        }
    }

    /// The range's buckets, oldest first, ending with the one `now` is in; empty hours carry who
    /// was online at the end of the hour before.
    static func history(_ activity: ActivityView, rooms: RoomsView, range: Range, now: Int64) -> History {
        let hourNow = now / ActivityView.microsecondsPerHour
        let firstHour = range.hourly ? hourNow - Int64(range.buckets) + 1
            : (now / ActivityView.microsecondsPerDay - Int64(range.buckets) + 1) * 24
        // Who was online when the range began: the last hour with an event before it.
        var carried = activity.hours.filter { $0.key < firstHour }.max { $0.key < $1.key }?.value
        var hourly: [(Int64, Point)] = []
        for hour in firstHour...hourNow {
            let figures = activity.hours[hour]
            let point = Point(
                time: hour * ActivityView.microsecondsPerHour / 1000,
                usersOnline: figures?.peakUsers ?? carried?.endUsers ?? 0,
                connectionsOnline: figures?.peakConnections ?? carried?.endConnections ?? 0,
                connections: figures?.connections ?? 0, logins: figures?.logins ?? 0, messages: figures?.messages ?? 0,
                bytesIn: figures?.bytesIn ?? 0, bytesOut: figures?.bytesOut ?? 0, activeUsers: nil)
            if let figures { carried = figures }
            hourly.append((hour, point))
        }
        let points: [Point]
        if range.hourly {
            points = hourly.map(\.1)
        } else {
            points = stride(from: 0, to: hourly.count, by: 24).map { start in
                let day = hourly[start..<min(start + 24, hourly.count)].map(\.1)
                let index = hourly[start].0 / 24
                return Point(
                    time: day[0].time, usersOnline: day.map(\.usersOnline).max() ?? 0,
                    connectionsOnline: day.map(\.connectionsOnline).max() ?? 0, connections: day.reduce(0) { $0 + $1.connections },
                    logins: day.reduce(0) { $0 + $1.logins }, messages: day.reduce(0) { $0 + $1.messages },
                    bytesIn: day.reduce(0) { $0 &+ $1.bytesIn }, bytesOut: day.reduce(0) { $0 &+ $1.bytesOut },
                    activeUsers: activity.activeUsers[index]?.count ?? 0)
            }
        }
        let days = Array((firstHour / 24)...(hourNow / 24))
        var perRoom: [RoomID: Int] = [:]
        var byDay: [RoomID: [Int]] = [:]
        for (index, day) in days.enumerated() {
            for (room, count) in activity.roomMessages[day] ?? [:] {
                perRoom[room, default: 0] += count
                byDay[room, default: Array(repeating: 0, count: days.count)][index] += count
            }
        }
        let ranked = perRoom.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        func describe(_ room: RoomID) -> (name: String, visibility: String) {
            let found = rooms[room]
            return (found?.name ?? "", found.map { "\($0.visibility)" } ?? "")
        }
        let busiest = ranked.prefix(10).map { room, count in
            RoomCount(room: room.rawValue, name: describe(room).name, visibility: describe(room).visibility, messages: count)
        }
        let roomsByDay = ranked.map { room, _ in
            RoomDays(room: room.rawValue, name: describe(room).name, visibility: describe(room).visibility, messages: byDay[room] ?? [])
        }
        return History(range: range.rawValue, bucket: range.hourly ? "hour" : "day", points: points, busiestRooms: Array(busiest),
                       days: days.map { $0 * ActivityView.microsecondsPerDay / 1000 }, roomsByDay: roomsByDay)
    }
}
