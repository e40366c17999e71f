import Operations
import Foundation
import NIOCore
import Projections

/// Server frames other than events (docs/protocol.md).
enum Frames {
    static func ok(_ id: String?, position: UInt64?, extra: (inout JSONWriter) -> Void = { _ in }) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "ok")
        json.field("id", id)
        json.field("position", position)
        extra(&json)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    static func error(_ id: String?, _ error: APIError) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "error")
        json.field("id", id)
        json.field("code", error.code)
        json.field("reason", error.reason)
        json.field("message", error.message)
        if let retryAfter = error.retryAfter { json.field("retryAfter", retryAfter) }
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    static func capabilities(_ permissions: Permissions) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "capabilities")
        json.field("capabilities", strings: permissions.names)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    static func typing(_ room: RoomID, _ user: UserID) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "typing")
        json.field("room", room.rawValue)
        json.field("user", user.rawValue)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    static func closing(_ reason: String) -> ByteBuffer {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "closing")
        json.field("reason", reason)
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    static func history(_ id: String?, room: RoomID, _ page: HistoryPage) -> ByteBuffer {
        var json = JSONWriter(capacity: 1024 + page.items.reduce(0) { $0 + $1.count + 1 })
        json.beginObject()
        json.field("type", "history")
        json.field("id", id)
        json.field("room", room.rawValue)
        json.field("hasMoreBefore", page.hasMoreBefore)
        json.field("hasMoreAfter", page.hasMoreAfter)
        json.field("hiddenBefore", page.hiddenBefore)
        json.beginArray("items")
        for item in page.items { json.raw(nil, item) }
        json.endArray()
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }

    /// A frame built from an `Encodable` payload under "type" (and "id" when replying).
    static func encoded<T: Encodable>(_ type: String, id: String? = nil, _ payload: T) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let body = (try? encoder.encode(payload)) ?? Data("{}".utf8)
        var json = JSONWriter(capacity: body.count + 64)
        json.beginObject()
        json.field("type", type)
        if let id { json.field("id", id) }
        json.raw("data", Array(body))
        json.endObject()
        return ByteBuffer(bytes: json.bytes)
    }
}
