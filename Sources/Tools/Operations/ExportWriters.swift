import Foundation
import Projections

/// One JSON object per line.
struct JSONLinesWriter: ExportWriter {
    private var formatter: TimestampFormatter
    /// Rows accumulate here and go to the sink by the 64 KiB.
    private var json = JSONWriter(capacity: 1 << 17)

    init(timeZone: TimeZone) {
        formatter = TimestampFormatter(timeZone: timeZone)
    }

    func begin(_ sink: inout HashingSink) throws {}

    mutating func write(_ row: ExportRow, _ sink: inout HashingSink) throws {
        json.beginObject()
        json.field("position", row.position)
        json.field("time", microseconds: row.timestamp, formatter: &formatter)
        json.field("kind", row.kind)
        json.field("room", row.room?.rawValue)
        json.field("roomName", row.roomName)
        json.field("actor", row.actor.rawValue)
        json.field("actorName", row.actorName)
        json.field("actorDisplayName", row.actorDisplayName)
        if let subject = row.subject {
            json.field("subject", subject.rawValue)
            json.field("subjectName", row.subjectName)
            json.field("subjectDisplayName", row.subjectDisplayName)
        }
        if let message = row.message { json.field("message", message) }
        if let replyTo = row.replyTo { json.field("replyTo", replyTo) }
        if let text = row.text { json.field("text", text) }
        if let file = row.file {
            json.field("file", file.id)
            if !file.sha256.isEmpty {
                json.field("fileName", file.name)
                json.field("fileSize", file.size)
                json.field("fileSHA256", file.sha256)
                json.field("fileMediaType", file.mediaType)
            }
        }
        json.endObject()
        json.endLine()
        if json.bytes.count >= 1 << 16 {
            try sink.write(json.bytes)
            json.reset()
        }
    }

    mutating func end(_ sink: inout HashingSink, names: NameBook) throws {
        try sink.write(json.bytes)
        json.reset()
        try sink.flush()
    }
}

/// RFC 4180 CSV: a header line; fields with commas, quotes or line breaks quoted, quotes doubled.
struct CSVWriter: ExportWriter {
    private var formatter: TimestampFormatter
    static let columns = ["position", "time", "kind", "room", "room_name", "actor", "actor_name", "actor_display_name",
                          "subject", "subject_name", "subject_display_name", "message", "reply_to", "text",
                          "file", "file_name", "file_size", "file_sha256"]

    init(timeZone: TimeZone) {
        formatter = TimestampFormatter(timeZone: timeZone)
    }

    func begin(_ sink: inout HashingSink) throws {
        try sink.write(Self.columns.joined(separator: ",") + "\r\n")
    }

    mutating func write(_ row: ExportRow, _ sink: inout HashingSink) throws {
        let fields = [
            String(row.position), formatter.string(microseconds: row.timestamp), row.kind, row.room?.rawValue ?? "", row.roomName,
            row.actor.rawValue, row.actorName, row.actorDisplayName, row.subject?.rawValue ?? "", row.subjectName ?? "",
            row.subjectDisplayName ?? "",
            row.message.map(String.init) ?? "", row.replyTo.map(String.init) ?? "", row.text ?? "",
            row.file?.id ?? "", row.file?.name ?? "", row.file.map { $0.sha256.isEmpty ? "" : String($0.size) } ?? "",
            row.file?.sha256 ?? "",
        ]
        try sink.write(fields.map(Self.quote).joined(separator: ",") + "\r\n")
    }

    func end(_ sink: inout HashingSink, names: NameBook) throws { try sink.flush() }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One self-contained HTML page: a section per conversation, by day. Rows go to a temporary file
/// per room while the log is read (memory stays flat), then the page is assembled.
struct HTMLWriter: ExportWriter {
    let timeZone: TimeZone
    let request: Exports.Request
    private let directory: String
    /// Per room: its temporary file (named by the order rooms first appear).
    private var files: [RoomID: String] = [:]
    /// The files open for appending: at most `maxOpen`, so that an export of thousands of
    /// conversations stays far below the process's limit on open files.
    private var open: [RoomID: FileHandle] = [:]
    private static let maxOpen = 64
    private var lastDay: [RoomID: String] = [:]
    private var counts: [RoomID: Int] = [:]
    private var clock: TimestampFormatter
    private let day: DateFormatter
    /// The heading of the last day formatted, by its date (most rows share their day with the previous one).
    private var dayHeading: (date: [Int], text: String) = ([], "")

    init(timeZone: TimeZone, request: Exports.Request) throws {
        self.timeZone = timeZone
        self.request = request
        directory = NSTemporaryDirectory() + "causerie-export-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        clock = TimestampFormatter(timeZone: timeZone)
        day = DateFormatter()
        day.locale = Locale(identifier: "en_GB")
        day.timeZone = timeZone
        day.dateFormat = "EEEE d MMMM yyyy"
    }

    func begin(_ sink: inout HashingSink) throws {}

    mutating func write(_ row: ExportRow, _ sink: inout HashingSink) throws {
        let room = row.room ?? RoomID("-")
        let handle = try appending(to: room)
        var html = ""
        let civil = clock.civil(microseconds: row.timestamp)
        let date = [civil.year, civil.month, civil.day]
        if dayHeading.date != date { dayHeading = (date, day.string(from: row.time)) }
        let today = dayHeading.text
        if lastDay[room] != today {
            if lastDay[room] != nil { html += "</ol>\n" }
            html += "<h3>\(Self.escape(today))</h3>\n<ol>\n"
            lastDay[room] = today
        }
        counts[room, default: 0] += 1
        let clockTime = [civil.hour, civil.minute, civil.second].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
        html += "<li id=\"p\(row.position)\"><time datetime=\"\(clock.string(microseconds: row.timestamp))\">"
            + "\(clockTime)</time> <b title=\"\(Self.escape(row.actorName))\">\(Self.escape(row.actorDisplayName))</b> "
            + Self.describe(row) + "</li>\n"
        try handle.write(contentsOf: Data(html.utf8))
    }

    /// What happened, as escaped HTML.
    static func describe(_ row: ExportRow) -> String {
        let text = row.text.map(escape) ?? ""
        let subject = (row.subjectDisplayName ?? row.subjectName).map(escape) ?? ""
        return switch row.kind {
        case "message.posted":
            (row.replyTo.map { "<i>(reply to <a href=\"#p\($0)\">#\($0)</a>)</i> " } ?? "") + "<span class=\"text\">\(text)</span>"
        case "message.edited": "<i>edited <a href=\"#p\(row.message ?? 0)\">#\(row.message ?? 0)</a>:</i> <span class=\"text\">\(text)</span>"
        case "message.deleted": "<i>deleted <a href=\"#p\(row.message ?? 0)\">#\(row.message ?? 0)</a></i>"
        case "member.joined": row.subject == row.actor ? "<i>joined</i>" : "<i>added \(subject)</i>"
        case "member.left": "<i>left</i>"
        case "member.invited": "<i>invited \(subject)</i>"
        case "member.declined": "<i>declined the invitation</i>"
        case "member.kicked": "<i>removed \(subject)</i>" + (text.isEmpty ? "" : ": \(text)")
        case "member.banned": "<i>banned \(subject)</i>" + (text.isEmpty ? "" : ": \(text)")
        case "member.unbanned": "<i>lifted the ban on \(subject)</i>"
        case "member.muted": "<i>muted \(subject) \(text)</i>"
        case "member.unmuted": "<i>unmuted \(subject)</i>"
        case "member.role": "<i>made \(subject) \(text)</i>"
        case "room.created": "<i>created the room</i>" + (text.isEmpty ? "" : " — \(text)")
        case "room.renamed": "<i>renamed the room to \(text)</i>"
        case "room.topic": "<i>set the topic: \(text)</i>"
        case "broadcast": "<i>announced:</i> <span class=\"text\">\(text)</span>"
        case "file.uploaded", "folder.shared":
            "<i>sent the file</i> <span class=\"text\">\(escape(row.file?.name ?? ""))</span> "
                + "(\(row.file?.size ?? 0) bytes, SHA-256 <code>\(row.file?.sha256 ?? "")</code>)"
        case "file.renamed": "<i>renamed a file to</i> \(text)"
        case "file.moved": "<i>moved a file to</i> \(text)"
        case "file.deleted": "<i>deleted the file</i> \(escape(row.file?.id ?? ""))"
        default: "<i>\(escape(row.kind))</i> \(text)"
        }
    }

    /// The room's temporary file, created or reopened at its end.
    private mutating func appending(to room: RoomID) throws -> FileHandle {
        if let handle = open[room] { return handle }
        if open.count >= Self.maxOpen {
            for handle in open.values { try handle.close() }
            open.removeAll(keepingCapacity: true)
        }
        let path: String
        if let existing = files[room] {
            path = existing
        } else {
            path = directory + "/\(files.count)"
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw OperationError.io("cannot write \(path)") }
            files[room] = path
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw OperationError.io("cannot write \(path)") }
        try handle.seekToEnd()
        open[room] = handle
        return handle
    }

    mutating func abandon() {
        for handle in open.values { try? handle.close() }
        open.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }

    mutating func end(_ sink: inout HashingSink, names: NameBook) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for handle in open.values { try handle.close() }
        open.removeAll()
        let range = "\(ISO8601.format(request.from, timeZone: timeZone)) – \(ISO8601.format(request.to, timeZone: timeZone))"
        try sink.write("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Causerie export \(Self.escape(range))</title>
            <style>
            body{font:15px/1.45 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
            h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{color:#555;font-size:1em}
            ol{list-style:none;padding:0}li{margin:.25em 0}time{color:#888;font-variant-numeric:tabular-nums}
            .text{white-space:pre-wrap}i{color:#555}
            </style></head><body>
            <h1>Conversations, \(Self.escape(range))</h1>
            <p>Times in \(Self.escape(timeZone.identifier)). Exported from the Causerie log; see the manifest beside this file.</p>

            """)
        let ordered = files.keys.sorted { names.roomName($0).lowercased() < names.roomName($1).lowercased() }
        for room in ordered {
            guard let path = files[room] else { continue }
            try sink.write("<section><h2>\(Self.escape(names.roomName(room)))</h2>\n")
            guard let input = FileHandle(forReadingAtPath: path) else { throw OperationError.io("cannot read \(path)") }
            while let chunk = try input.read(upToCount: 1 << 16), !chunk.isEmpty { try sink.write(Array(chunk)) }
            try input.close()
            try sink.write("</ol></section>\n")
        }
        if files.isEmpty { try sink.write("<p>No conversation in this range.</p>\n") }
        try sink.write("</body></html>\n")
        try sink.flush()
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
